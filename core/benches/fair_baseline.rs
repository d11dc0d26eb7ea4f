//! The default chain (national → zhejiang → jinhua) written by hand in Rust,
//! producing everything the engine's [`Decision`] holds for a record: every
//! field of every section, and the trace as `(kind, id, row)` in the engine's
//! order (without the zh/en text, which the engine could render on demand).
//! The fair counterpart of `baseline.rs`, which computes headline fields only.
//!
//! Output form: the sections are the library's own public types
//! (`hazard_rules::decision::{Classification, Rectification, ...}`) with owned
//! `String`s, exactly what the engine returns, so they are compared with
//! `assert_eq!` and cost the same allocations. The trace uses `&'static str`
//! for kinds and ids (constants) and an owned `String` for the row key.
//!
//! Data: numbers, codes and short texts are Rust constants below; the two
//! large legal tables (the major-hazard catalogues, 84 items, and the State
//! Council holiday notices 2020–2026) are parsed once in [`FairBaseline::new`]
//! from the ruleset files. Input checks are those the rules make (unknown
//! sector, item, stage, listing level, colour, sector group; event order;
//! LEC factor values; LS range; water-level references; ...), with the same
//! JSON paths.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use hazard_rules::decision::{
    AccidentResponse, Assignment, Basis, Classification, PlanResponse, PointRisk, Rectification,
    RegionRisk, Report, Response, Responsibility, Risk, Staffing, UnitRisk, WarningResponse,
};
use hazard_rules::in_force::Applied;
use hazard_rules::input::{
    Accident, Hazard, Post, Region, RiskInput, RiskPoint, Township, UnitSignals, Warning,
};
use hazard_rules::{Decision, Input, InputError};
use serde::Deserialize;

/// One trace step: kind (`rule`, `table`, `calendar`, `note`), rule id or
/// table name, and the row key for table rows.
pub type TraceStep = (&'static str, &'static str, Option<String>);

/// What the hand-written rules decide for one record.
#[derive(Debug)]
pub struct FairAnswer {
    pub id: Option<String>,
    pub as_of: NaiveDate,
    /// The ruleset chain, base first: `(id, version)`.
    pub ruleset: &'static [(&'static str, &'static str)],
    pub classification: Option<Classification>,
    pub rectification: Option<Rectification>,
    pub responsibility: Option<Responsibility>,
    pub response: Option<Response>,
    pub risk: Option<Risk>,
    pub trace: Vec<TraceStep>,
    pub in_force: Vec<Applied>,
}

pub struct FairBaseline {
    /// Items of each catalogue, in the order of [`CATALOGUES`].
    catalogues: Vec<HashMap<String, Item>>,
    calendar: Calendar,
    effective_from: NaiveDate,
}

// ---------------------------------------------------------------------------
// Constants: the tables of the chain.
// ---------------------------------------------------------------------------

const CHAIN: &[(&str, &str)] = &[
    ("national", "2026.1.0"),
    ("zhejiang", "2026.1.0"),
    ("jinhua", "2026.1.0"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Gongmao,
    Chemicals,
    OwnStandard,
}

struct Sector {
    code: &'static str,
    zh: &'static str,
    family: Family,
    item_sectors: &'static [&'static str],
    regulator: &'static str,
}

const SPECIAL: [&str; 3] = ["dust_explosion", "ammonia_refrigeration", "confined_space"];

macro_rules! gongmao {
    ($code:literal, $zh:literal, $regulator:literal) => {
        Sector {
            code: $code,
            zh: $zh,
            family: Family::Gongmao,
            item_sectors: &["any", $code, SPECIAL[0], SPECIAL[1], SPECIAL[2]],
            regulator: $regulator,
        }
    };
}

macro_rules! own_standard {
    ($code:literal, $zh:literal, $regulator:literal) => {
        Sector {
            code: $code,
            zh: $zh,
            family: Family::OwnStandard,
            item_sectors: &[],
            regulator: $regulator,
        }
    };
}

/// `sectors`: Order 10 Art. 2 routing and "三管三必须" regulators.
const SECTORS: &[Sector] = &[
    gongmao!("metallurgy", "冶金", "emergency"),
    gongmao!("nonferrous", "有色", "emergency"),
    gongmao!("building_materials", "建材", "emergency"),
    gongmao!("machinery", "机械", "emergency"),
    gongmao!("light_industry", "轻工", "emergency"),
    gongmao!("textiles", "纺织", "emergency"),
    gongmao!("tobacco", "烟草", "tobacco"),
    Sector {
        code: "commerce",
        zh: "商贸",
        family: Family::Gongmao,
        item_sectors: &["any", SPECIAL[0], SPECIAL[1], SPECIAL[2]],
        regulator: "commerce",
    },
    Sector {
        code: "chemicals",
        zh: "化工和危险化学品",
        family: Family::Chemicals,
        item_sectors: &["chemicals"],
        regulator: "emergency",
    },
    own_standard!("fire", "消防", "fire"),
    own_standard!("gas", "燃气", "housing"),
    own_standard!("special_equipment", "特种设备", "market"),
    own_standard!("construction", "建设施工", "housing"),
    own_standard!("road_transport", "道路运输", "transport"),
    own_standard!("water_works", "水利工程", "water"),
    own_standard!("tourism", "旅游", "culture_tourism"),
];

/// `departments`: county-level regulators.
const DEPARTMENTS: &[(&str, &str)] = &[
    ("emergency", "应急管理局"),
    ("housing", "住房和城乡建设局"),
    ("market", "市场监督管理局"),
    ("fire", "消防救援大队"),
    ("transport", "交通运输局"),
    ("water", "水利局"),
    ("commerce", "商务局"),
    ("tobacco", "烟草专卖局"),
    ("culture_tourism", "文化和旅游局"),
];

struct Catalogue {
    prefix: &'static str,
    table: &'static str,
    zh: &'static str,
    file: &'static str,
    /// When its standard is in force (both ends included).
    from: Option<(i32, u32, u32)>,
    to: Option<(i32, u32, u32)>,
    /// A dated version of `catalogue_gongmao`: its label, dates and source.
    version: Option<DatedVersion>,
}

type DatedVersion = (
    &'static str,
    Option<(i32, u32, u32)>,
    Option<(i32, u32, u32)>,
    &'static str,
);

/// `catalogues`: which table holds the items of an id prefix.
const CATALOGUES: &[Catalogue] = &[
    Catalogue {
        prefix: "GM-",
        table: "catalogue_gongmao",
        zh: "工贸企业重大事故隐患判定标准（应急管理部令第10号）",
        file: include_str!("../../rulesets/national/tables/catalogue_gongmao.toml"),
        from: Some((2023, 5, 15)),
        to: None,
        version: Some((
            "MEM-10-2023",
            Some((2023, 5, 15)),
            None,
            "工贸企业重大事故隐患判定标准（应急管理部令第10号，2023年5月15日施行）",
        )),
    },
    Catalogue {
        prefix: "GM17-",
        table: "catalogue_gongmao_2017",
        zh: "工贸行业重大生产安全事故隐患判定标准（2017版）（安监总管四〔2017〕129号）",
        file: include_str!("../../rulesets/national/tables/catalogue_gongmao_2017.toml"),
        from: Some((2017, 11, 30)),
        to: Some((2023, 5, 14)),
        version: Some((
            "SAWS-129-2017",
            Some((2017, 11, 30)),
            Some((2023, 5, 14)),
            "工贸行业重大生产安全事故隐患判定标准（2017版）（安监总管四〔2017〕129号，2023年5月15日废止）",
        )),
    },
    Catalogue {
        prefix: "HG-",
        table: "catalogue_chemicals",
        zh: "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）（安监总管三〔2017〕121号）",
        file: include_str!("../../rulesets/national/tables/catalogue_chemicals.toml"),
        from: None,
        to: None,
        version: None,
    },
];

const CALENDAR_FILES: &[&str] = &[
    include_str!("../../rulesets/national/tables/calendar_2020.toml"),
    include_str!("../../rulesets/national/tables/calendar_2021.toml"),
    include_str!("../../rulesets/national/tables/calendar_2022.toml"),
    include_str!("../../rulesets/national/tables/calendar_2023.toml"),
    include_str!("../../rulesets/national/tables/calendar_2024.toml"),
    include_str!("../../rulesets/national/tables/calendar_2025.toml"),
    include_str!("../../rulesets/national/tables/calendar_2026.toml"),
];

/// `facts`: Order 16 Art. 3.
const FACTS: &[(&str, &str)] = &[
    (
        "needs_suspension",
        "需要全部或者局部停产停业，并经过一定时间整改治理方能排除",
    ),
    (
        "cannot_self_remove",
        "因外部因素影响致使生产经营单位自身难以排除",
    ),
];
const FACT_SOURCE: &str = "原国家安监总局令第16号 第三条";

#[derive(Clone, Copy)]
enum When {
    Always,
    NeedsSuspension,
    ListedAndSuspension,
}

/// `major_duties`: Order 16 Art. 14–18.
const MAJOR_DUTIES: &[(&str, When, &str)] = &[
    (
        "order16-art14-report",
        When::Always,
        "及时向安全监管监察部门和有关部门报告重大事故隐患：隐患的现状及其产生原因、危害程度和整改难易程度分析、治理方案（第十四条）",
    ),
    (
        "order16-art15-plan",
        When::Always,
        "由主要负责人组织制定并实施治理方案，含治理的目标和任务、采取的方法和措施、经费和物资的落实、负责治理的机构和人员、治理的时限和要求、安全措施和应急预案（第十五条）",
    ),
    (
        "order16-art16-withdraw",
        When::NeedsSuspension,
        "治理前无法保证安全的，应当从危险区域内撤出作业人员，疏散可能危及的其他人员，设置警戒标志，暂时停产停业或者停止使用（第十六条）",
    ),
    (
        "order16-art18-restart",
        When::ListedAndSuspension,
        "挂牌督办并责令全部或者局部停产停业治理的重大事故隐患，治理完毕后经评估符合安全生产条件，向安全监管监察部门提出恢复生产的书面申请，经审查同意方可恢复生产经营（第十八条）",
    ),
];
const DUTY_SOURCE: &str = "原国家安监总局令第16号";

/// `rectification` (national defaults, convention).
const GENERAL_PERIOD_DAYS: i64 = 30;
const MAJOR_PERIOD_DAYS: i64 = 90;
const DUE_SOON_DAYS: i64 = 7;

/// `listing_periods` as Jinhua overrides it: city 60, county 30.
fn listing_period(level: &str) -> Option<(&'static str, i64)> {
    Some(match level {
        "province" => ("province", 90),
        "city" => ("city", 60),
        "county" => ("county", 30),
        "township" => ("township", 30),
        _ => return None,
    })
}

/// `stages`: the closed loop and the moves it allows.
const STAGES: &[(&str, &[&str])] = &[
    ("found", &["assigned", "rectified"]),
    ("assigned", &["rectified"]),
    ("rectified", &["verified"]),
    ("verified", &["closed", "rectified"]),
    ("closed", &[]),
];

fn stage(code: &str) -> Option<(&'static str, &'static [&'static str])> {
    STAGES.iter().find(|s| s.0 == code).copied()
}

/// `escalation`: what an overdue hazard triggers, by supervising level.
fn escalation(level: &str) -> Option<(&'static str, &'static [&'static str])> {
    Some(match level {
        "township" => (
            "township",
            &[
                "提请县级挂牌督办 escalate to county supervision",
                "通报 public notice",
            ],
        ),
        "county" => (
            "county",
            &[
                "提请市级挂牌督办 escalate to city supervision",
                "通报 public notice",
            ],
        ),
        "city" => (
            "city",
            &[
                "提请省级挂牌督办 escalate to province supervision",
                "通报 public notice",
            ],
        ),
        "province" => (
            "province",
            &["约谈 summon the responsible persons", "通报 public notice"],
        ),
        _ => return None,
    })
}

/// `supervising_levels`: general → township, major → county.
fn supervisor(major: bool) -> &'static str {
    if major {
        "county"
    } else {
        "township"
    }
}

/// A band's edges, `(bound, inclusive)`; either side may be open.
struct Band<T>(Option<(f64, bool)>, Option<(f64, bool)>, T);

impl<T> Band<T> {
    fn contains(&self, v: f64) -> bool {
        let above = match self.0 {
            None => true,
            Some((b, true)) => v >= b,
            Some((b, false)) => v > b,
        };
        let below = match self.1 {
            None => true,
            Some((b, true)) => v <= b,
            Some((b, false)) => v < b,
        };
        above && below
    }
}

const fn gte(b: f64) -> Option<(f64, bool)> {
    Some((b, true))
}
const fn gt(b: f64) -> Option<(f64, bool)> {
    Some((b, false))
}
const fn lt(b: f64) -> Option<(f64, bool)> {
    Some((b, false))
}
const fn lte(b: f64) -> Option<(f64, bool)> {
    Some((b, true))
}

/// The first band holding `v`, with its 1-based row number (the trace key).
fn band<T>(rows: &[Band<T>], v: f64) -> (usize, &T) {
    let i = rows
        .iter()
        .position(|b| b.contains(v))
        .expect("the bands cover every checked value");
    (i + 1, &rows[i].2)
}

/// `accident_grades` (Decree 493 Art. 3, 10, 19).
struct Grade {
    code: &'static str,
    rank: u8,
    zh: &'static str,
    investigated_by: &'static str,
    reported_up_to: &'static str,
}

const TO_STATE_COUNCIL: &str = "国务院安全生产监督管理部门和负有安全生产监督管理职责的有关部门";
const ESPECIALLY_MAJOR: Grade = Grade {
    code: "especially_major",
    rank: 4,
    zh: "特别重大事故",
    investigated_by: "国务院或者国务院授权有关部门",
    reported_up_to: TO_STATE_COUNCIL,
};
const MAJOR: Grade = Grade {
    code: "major",
    rank: 3,
    zh: "重大事故",
    investigated_by: "事故发生地省级人民政府",
    reported_up_to: TO_STATE_COUNCIL,
};
const LARGE: Grade = Grade {
    code: "large",
    rank: 2,
    zh: "较大事故",
    investigated_by: "事故发生地设区的市级人民政府",
    reported_up_to:
        "省、自治区、直辖市人民政府安全生产监督管理部门和负有安全生产监督管理职责的有关部门",
};
const GENERAL: Grade = Grade {
    code: "general",
    rank: 1,
    zh: "一般事故",
    investigated_by: "事故发生地县级人民政府",
    reported_up_to: "设区的市级人民政府安全生产监督管理部门和负有安全生产监督管理职责的有关部门",
};

/// `accident_deaths`, `accident_injuries`, `accident_loss`: "以上" includes the number.
static ACCIDENT_DEATHS: [Band<&Grade>; 4] = grade_bands([30.0, 10.0, 3.0]);
static ACCIDENT_INJURIES: [Band<&Grade>; 4] = grade_bands([100.0, 50.0, 10.0]);
static ACCIDENT_LOSS: [Band<&Grade>; 4] = grade_bands([1e8, 5e7, 1e7]);

const fn grade_bands(edges: [f64; 3]) -> [Band<&'static Grade>; 4] {
    [
        Band(gte(edges[0]), None, &ESPECIALLY_MAJOR),
        Band(gte(edges[1]), lt(edges[0]), &MAJOR),
        Band(gte(edges[2]), lt(edges[1]), &LARGE),
        Band(gte(0.0), lt(edges[2]), &GENERAL),
    ]
}

/// `accident_reporting` (Decree 493 Art. 9, 11, 13, 29).
const UNIT_REPORT_HOURS: i64 = 1;
const PER_LEVEL_HOURS: i64 = 2;
const SUPPLEMENT_DAYS: i64 = 30;
const INVESTIGATION_DAYS: i64 = 60;
const INVESTIGATION_EXTENSION_DAYS: i64 = 60;

fn supplement_days(kind: &str) -> i64 {
    match kind {
        "road_traffic" | "fire" => 7,
        _ => SUPPLEMENT_DAYS,
    }
}

/// `colours`: warning and risk colours, highest first.
struct Colour {
    colour: &'static str,
    rank: u8,
    level: &'static str,
    risk_en: &'static str,
    zh: &'static str,
}

static COLOURS: [Colour; 4] = [
    Colour {
        colour: "red",
        rank: 4,
        level: "I",
        risk_en: "major",
        zh: "红色",
    },
    Colour {
        colour: "orange",
        rank: 3,
        level: "II",
        risk_en: "large",
        zh: "橙色",
    },
    Colour {
        colour: "yellow",
        rank: 2,
        level: "III",
        risk_en: "general",
        zh: "黄色",
    },
    Colour {
        colour: "blue",
        rank: 1,
        level: "IV",
        risk_en: "low",
        zh: "蓝色",
    },
];

fn colour(name: &str) -> Option<&'static Colour> {
    COLOURS.iter().find(|c| c.colour == name)
}

fn colour_of_rank(rank: u8) -> &'static Colour {
    &COLOURS[4 - rank as usize]
}

/// `typhoon_signals` (CMA Order 16), red first: (colour, within hours, sustained, gust).
const TYPHOON_SIGNALS: [(&str, u32, u32, u32); 4] = [
    ("red", 6, 12, 14),
    ("orange", 12, 10, 12),
    ("yellow", 24, 8, 10),
    ("blue", 24, 6, 8),
];

/// `warning_response` (national).
const NOTIFY: [&str; 3] = [
    "应急管理负责人 emergency leads",
    "管理员 managers",
    "网格员 grid members",
];

fn national_actions(level: &str) -> &'static [&'static str] {
    match level {
        "I" => &["启动I级应急响应 start level I response"],
        "II" => &["启动II级应急响应 start level II response"],
        "III" => &["启动III级应急响应 start level III response"],
        _ => &["启动IV级应急响应 start level IV response"],
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Over {
    Warning,
    Guarantee,
}

/// A row of Zhejiang's `flood_response`.
struct FloodRow {
    level: &'static str,
    rank: u8,
    /// Flood signals and the lowest colour rank that starts this level.
    signals: &'static [(&'static str, u8)],
    rainfall_24h_mm: Option<f64>,
    water: Option<(Over, f64)>,
    actions: &'static [&'static str],
}

const PATROL_IV: &str = "按IV级响应要求扩大巡查排查范围、加密巡查排查频次（第14条）widen and intensify patrols as level IV requires";
const PATROL_III: &str = "按III级响应要求扩大巡查排查范围、加密巡查排查频次（第14条）widen and intensify patrols as level III requires";
const PATROL_II: &str = "按II级响应要求扩大巡查排查范围、加密巡查排查频次（第14条）widen and intensify patrols as level II requires";
const PATROL_I: &str = "按I级响应要求扩大巡查排查范围、加密巡查排查频次（第14条）widen and intensify patrols as level I requires";
const DUTY_24H: &str = "强降雨、高水位、易出险地段和重要部位落实24小时值守（第14条）24-hour duty at heavy rain, high water and key spots";
const REPORT_UP: &str = "发现问题隐患上报乡镇（街道）应急管理中心，同时通知临近村（社区）应急负责人（第14条）report problems to the township centre and tell neighbouring villages";
const AUTO_WARN: &str = "预警信息自动、连续发送各级应急管理负责人、管理员、网格员（第12条）warnings go automatically and repeatedly to emergency leads, managers and grid members";
const EVACUATE: &str = "按转移清单转移危险区域人员，老人、残疾人、孕妇等重点人群优先，分组包干、责任到人（第15、16条）evacuate danger zones by the list, elderly, disabled and pregnant people first, each group assigned to a named person";
const WIDEN: &str = "根据监测预警和巡查情况扩大人员转移范围，应转尽转（第16条）widen the evacuation area: everyone who should move is moved";
const STOP: &str = "停工、停业、停学（第15条）stop work, business and school";
const TRAFFIC: &str = "实施交通管控（第15条）traffic control";
const FLOOD_PERIOD: &str = "防汛指挥机构可依法宣布进入紧急防汛期（防洪法第四十一条）the flood headquarters may declare an emergency flood period (Flood Control Law Art. 41)";

static FLOOD_RESPONSE: [FloodRow; 4] = [
    FloodRow {
        level: "IV",
        rank: 1,
        signals: &[("typhoon", 1), ("rainstorm", 1)],
        rainfall_24h_mm: Some(50.0),
        water: Some((Over::Warning, 0.0)),
        actions: &[PATROL_IV, DUTY_24H, REPORT_UP, AUTO_WARN],
    },
    FloodRow {
        level: "III",
        rank: 2,
        signals: &[("typhoon", 2), ("rainstorm", 2)],
        rainfall_24h_mm: Some(100.0),
        water: Some((Over::Warning, 0.5)),
        actions: &[PATROL_III, DUTY_24H, REPORT_UP, AUTO_WARN, EVACUATE],
    },
    FloodRow {
        level: "II",
        rank: 3,
        signals: &[("typhoon", 3), ("rainstorm", 3)],
        rainfall_24h_mm: Some(250.0),
        water: Some((Over::Warning, 1.0)),
        actions: &[
            PATROL_II, DUTY_24H, REPORT_UP, AUTO_WARN, EVACUATE, WIDEN, STOP, TRAFFIC,
        ],
    },
    FloodRow {
        level: "I",
        rank: 4,
        signals: &[("typhoon", 4), ("rainstorm", 4)],
        rainfall_24h_mm: None,
        water: Some((Over::Guarantee, 0.0)),
        actions: &[
            PATROL_I,
            DUTY_24H,
            REPORT_UP,
            AUTO_WARN,
            EVACUATE,
            WIDEN,
            STOP,
            TRAFFIC,
            FLOOD_PERIOD,
        ],
    },
];

/// Zhejiang `fire_13510`: (row key, action text "zh en").
const FIRE_13510: [(&str, &str); 4] = [
    ("1", "13510·1分钟：发现火情1分钟内响应启动 1 minute: respond"),
    (
        "3",
        "13510·3分钟：微型消防站3分钟内到场处置 3 minutes: micro fire station on site",
    ),
    (
        "5",
        "13510·5分钟：5分钟内多方力量协同作战 5 minutes: forces act together",
    ),
    (
        "10",
        "13510·10分钟：专业消防救援队伍10分钟内到场增援（惯例） 10 minutes: professional fire and rescue team arrives (convention)",
    ),
];

/// `lec_factors`: allowed L, E and C values.
const LEC_L: [f64; 7] = [10.0, 6.0, 3.0, 1.0, 0.5, 0.2, 0.1];
const LEC_E: [f64; 6] = [10.0, 6.0, 3.0, 2.0, 1.0, 0.5];
const LEC_C: [f64; 6] = [100.0, 40.0, 15.0, 7.0, 3.0, 1.0];

/// `lec_grades`.
static LEC_GRADES: [Band<&str>; 5] = [
    Band(gt(320.0), None, "extremely_dangerous"),
    Band(gt(160.0), lte(320.0), "highly_dangerous"),
    Band(gt(70.0), lte(160.0), "significantly_dangerous"),
    Band(gte(20.0), lte(70.0), "generally_dangerous"),
    Band(None, lt(20.0), "slightly_dangerous"),
];

/// `lec_colours`: colour rank.
static LEC_COLOURS: [Band<u8>; 5] = [
    Band(gt(320.0), None, 4),
    Band(gt(160.0), lte(320.0), 3),
    Band(gt(70.0), lte(160.0), 2),
    Band(gte(20.0), lte(70.0), 1),
    Band(None, lt(20.0), 1),
];

/// `ls_colours`: (colour rank, grade).
static LS_COLOURS: [Band<(u8, &str)>; 4] = [
    Band(gte(20.0), lte(25.0), (4, "major")),
    Band(gte(10.0), lt(20.0), (3, "large")),
    Band(gte(4.0), lt(10.0), (2, "general")),
    Band(gte(1.0), lt(4.0), (1, "low")),
];

#[derive(Clone, Copy)]
enum Signal {
    OpenMajorHazards,
    RecentAccidents,
    OverdueHazards,
    Ungraded,
}

/// `unit_signals`: (row id, signal, at least, colour rank, reason).
const UNIT_SIGNALS: [(&str, Signal, u32, u8, &str); 5] = [
    (
        "open_major_hazard",
        Signal::OpenMajorHazards,
        1,
        3,
        "存在未销号重大事故隐患，至少橙色",
    ),
    (
        "recent_accident",
        Signal::RecentAccidents,
        1,
        3,
        "近12个月发生生产安全事故，至少橙色",
    ),
    (
        "overdue_hazards_3",
        Signal::OverdueHazards,
        3,
        3,
        "逾期未整改隐患3项以上，至少橙色",
    ),
    (
        "overdue_hazard",
        Signal::OverdueHazards,
        1,
        2,
        "存在逾期未整改隐患，至少黄色",
    ),
    (
        "ungraded",
        Signal::Ungraded,
        1,
        2,
        "未达安全生产标准化等级，至少黄色",
    ),
];

/// `inspection_frequency`: inspections a year by grade 1, 2, 3, none.
fn inspection_frequency(group: &str) -> Option<(&'static str, [i64; 4])> {
    match group {
        "hazchem_metal" => Some(("hazchem_metal", [2, 4, 8, 12])),
        "other" => Some(("other", [1, 2, 4, 6])),
        _ => None,
    }
}

/// `region_rule`.
const REGION_MIN_UNITS: usize = 1;
const REGION_RULE_ZH: &str = "区域颜色取至少1个单位达到的最高颜色（就高原则）";

/// `staffing` (seed 004).
const INDUSTRIAL_PER_STAFF: u32 = 50;
const COMMERCIAL_PER_STAFF: u32 = 200;
const RENTED_PER_STAFF: u32 = 100;
const MIN_CERTIFIED_OFFICERS: u32 = 4;

// ---------------------------------------------------------------------------
// Data loaded once: catalogue items and the holiday notices.
// ---------------------------------------------------------------------------

struct Item {
    title: String,
    /// The item's `sector` (routing).
    sector: String,
    /// `catalogue label 第N条第M项`, as the basis source.
    source: String,
    standard: String,
    verified: bool,
}

#[derive(Deserialize)]
struct CatalogueFile {
    rows: Vec<CatalogueRow>,
}

#[derive(Deserialize)]
struct CatalogueRow {
    id: String,
    article: i64,
    item: i64,
    sector: String,
    title: String,
    standard: String,
    verified: bool,
    #[serde(default)]
    section: Option<String>,
}

#[derive(Deserialize)]
struct CalendarFile {
    year: i32,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
    #[serde(default)]
    holidays: Vec<HolidaySpan>,
}

#[derive(Deserialize)]
struct HolidaySpan {
    from: NaiveDate,
    to: NaiveDate,
}

/// Holidays and make-up working days of the State Council notices.
struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

impl Calendar {
    fn load() -> Calendar {
        let mut cal = Calendar {
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
            years: BTreeSet::new(),
        };
        for text in CALENDAR_FILES {
            let year: CalendarFile = toml::from_str(text).expect("a calendar table parses");
            cal.years.insert(year.year);
            for span in &year.holidays {
                let mut d = span.from;
                while d <= span.to {
                    cal.workdays.remove(&d);
                    cal.holidays.insert(d);
                    d = d.succ_opt().expect("a date in range");
                }
            }
            for d in year.workdays {
                cal.holidays.remove(&d);
                cal.workdays.insert(d);
            }
        }
        cal
    }

    fn is_working(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || self.workdays.contains(&d)
    }

    /// Civil Code Art. 201/203: the start day is not counted; a last day on a
    /// rest day or holiday moves to the next working day.
    /// Also the first year from the last day to the due day with no notice
    /// (the deadline is then provisional).
    fn deadline(&self, start: NaiveDate, days: i64, t: &mut Trace) -> (NaiveDate, Option<i32>) {
        t.0.push(("calendar", "civil_code_201_203", None));
        let nominal = add_days(start, days);
        let mut due = nominal;
        while !self.is_working(due) {
            due = add_days(due, 1);
        }
        let missing = (nominal.year()..=due.year()).find(|y| !self.years.contains(y));
        (due, missing)
    }
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    let m = Days::new(n.unsigned_abs());
    if n >= 0 {
        d.checked_add_days(m).unwrap_or(NaiveDate::MAX)
    } else {
        d.checked_sub_days(m).unwrap_or(NaiveDate::MIN)
    }
}

// ---------------------------------------------------------------------------
// The rules.
// ---------------------------------------------------------------------------

#[derive(Default)]
/// The trace, and the table versions applied (`Decision::in_force`).
struct Trace(Vec<TraceStep>, Vec<Applied>);

impl Trace {
    fn rule(&mut self, id: &'static str) {
        self.0.push(("rule", id, None));
    }
    fn row(&mut self, table: &'static str, key: impl Into<String>) {
        self.0.push(("table", table, Some(key.into())));
    }
    /// A values table read whole.
    fn values(&mut self, table: &'static str) {
        self.0.push(("table", table, None));
    }
    /// The version of the 工贸 catalogue chosen by the day, once.
    fn version(&mut self, cat: &Catalogue, on: NaiveDate) {
        let (version, from, to, source) = cat.version.expect("a dated catalogue");
        if !self.1.iter().any(|a| a.version == version) {
            self.0
                .push(("version", "catalogue_gongmao", Some(version.to_owned())));
            let day = |d: Option<(i32, u32, u32)>| {
                d.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            };
            self.1.push(Applied {
                table: "catalogue_gongmao".to_owned(),
                version: version.to_owned(),
                valid_from: day(from),
                valid_to: day(to),
                source: Some(source.to_owned()),
                on,
                field: "hazard.found_on".to_owned(),
            });
        }
    }
}

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, InputError> {
    Err(InputError::new(path, message))
}

/// `10.0` → `"10"`, `0.5` → `"0.5"` (the rules' `num_text`).
fn num_text(v: f64) -> String {
    if v == v.floor() {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// An AB post: the primary acts unless absent, then the backup.
fn post_holder(role: &str, post_name: String, post: Option<&Post>, t: &mut Trace) -> Assignment {
    let (person, acting_for) = match post {
        None => (None, None),
        Some(p) if !p.absent => (Some(p.name.clone()), None),
        Some(p) => match &p.backup {
            None => {
                t.rule("responsibility.ab_post_vacant");
                (None, Some(p.name.clone()))
            }
            Some(b) => {
                t.rule("responsibility.ab_post");
                (Some(b.clone()), Some(p.name.clone()))
            }
        },
    };
    Assignment {
        role: role.to_owned(),
        post: post_name,
        person,
        acting_for,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for FairBaseline {
    fn default() -> Self {
        Self::new()
    }
}

impl FairBaseline {
    pub fn new() -> Self {
        let catalogues = CATALOGUES
            .iter()
            .map(|cat| {
                let file: CatalogueFile = toml::from_str(cat.file).expect("a catalogue parses");
                file.rows
                    .into_iter()
                    .map(|r| {
                        let label = match (&r.section, r.article, r.item) {
                            (Some(section), _, _) => format!("{section}第{}项", r.item),
                            (None, 0, _) => format!("第{}项", r.item),
                            (None, _, 0) => format!("第{}条", r.article),
                            _ => format!("第{}条第{}项", r.article, r.item),
                        };
                        let item = Item {
                            source: format!("{} {label}", cat.zh),
                            title: r.title,
                            sector: r.sector,
                            standard: r.standard,
                            verified: r.verified,
                        };
                        (r.id, item)
                    })
                    .collect()
            })
            .collect();
        FairBaseline {
            catalogues,
            calendar: Calendar::load(),
            // The leaf's (jinhua) effective date.
            effective_from: NaiveDate::from_ymd_opt(2021, 2, 26).expect("a date"),
        }
    }

    /// The decision for one record; panics on invalid input (the benchmark
    /// unwraps the engine's result the same way).
    pub fn decide(&self, input: &Input, as_of: NaiveDate) -> FairAnswer {
        self.try_decide(input, as_of)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The decision, or the first input error with its JSON path.
    pub fn try_decide(&self, input: &Input, as_of: NaiveDate) -> Result<FairAnswer, InputError> {
        validate(input)?;
        let mut t = Trace(Vec::with_capacity(48), Vec::new());
        if as_of < self.effective_from {
            t.0.push(("note", "effective_from", None));
        }
        let mut a = FairAnswer {
            id: input.id.clone(),
            as_of,
            ruleset: CHAIN,
            classification: None,
            rectification: None,
            responsibility: None,
            response: None,
            risk: None,
            trace: Vec::new(),
            in_force: Vec::new(),
        };
        if let Some(h) = &input.hazard {
            let (cls, major) = self.classify(h, &mut t)?;
            a.rectification = Some(self.rectify(h, major, as_of, &mut t)?);
            a.responsibility = Some(assign(h, major, &mut t)?);
            a.classification = Some(cls);
        }
        if let Some(tw) = &input.township {
            let staffing = check_staffing(tw, &mut t);
            a.responsibility
                .get_or_insert_with(|| Responsibility {
                    assignments: Vec::new(),
                    supervising_level: None,
                    staffing: None,
                })
                .staffing = Some(staffing);
        }
        if input.accident.is_some() || input.warning.is_some() {
            let mut response = Response {
                accident: None,
                warning: None,
            };
            if let Some(acc) = &input.accident {
                response.accident = Some(self.grade_accident(acc, &mut t));
            }
            if let Some(w) = &input.warning {
                response.warning = Some(respond_to_warning(w, &mut t)?);
            }
            a.response = Some(response);
        }
        if let Some(r) = &input.risk {
            a.risk = Some(score_risk(r, &mut t)?);
        }
        a.trace = t.0;
        a.in_force = t.1;
        Ok(a)
    }

    /// Order 16 Art. 3 and the sector catalogues: general or major.
    fn classify(&self, h: &Hazard, t: &mut Trace) -> Result<(Classification, bool), InputError> {
        let Some(sector) = SECTORS.iter().find(|s| s.code == h.sector) else {
            return err(
                "hazard.sector",
                format!("unknown sector \"{}\" (not in the sectors table)", h.sector),
            );
        };
        t.row("sectors", sector.code);
        let mut basis = Vec::new();
        let mut not_applicable = Vec::new();
        // The catalogues in force on the day the hazard was found.
        let day = (h.found_on.year(), h.found_on.month(), h.found_on.day());
        let in_force =
            |cat: &Catalogue| cat.from.is_none_or(|f| f <= day) && cat.to.is_none_or(|t| day <= t);
        for (i, id) in h.items.iter().enumerate() {
            let found = CATALOGUES
                .iter()
                .zip(&self.catalogues)
                .find_map(|(cat, items)| {
                    if id.starts_with(cat.prefix) && in_force(cat) {
                        items.get(id.as_str()).map(|item| (cat, item))
                    } else {
                        None
                    }
                });
            let Some((cat, item)) = found else {
                return err(
                    format!("hazard.items[{i}]"),
                    format!("unknown catalogue item \"{id}\""),
                );
            };
            if cat.version.is_some() {
                t.version(cat, h.found_on);
            }
            t.row(cat.table, id.as_str());
            if sector.item_sectors.contains(&item.sector.as_str()) {
                if !item.verified {
                    t.rule("classification.unverified_item");
                }
                basis.push(Basis {
                    id: id.clone(),
                    title: item.title.clone(),
                    source: item.source.clone(),
                    standard: Some(item.standard.clone()),
                    verified: Some(item.verified),
                });
                t.rule("classification.catalogue_item");
            } else {
                let source = if sector.family == Family::OwnStandard {
                    format!(
                        "{}；{}隐患按其专门标准判定，不适用本目录（工贸判定标准第二条）",
                        item.source, sector.zh
                    )
                } else {
                    format!(
                        "{}；条目适用于{}，与{}行业不符",
                        item.source, item.sector, sector.zh
                    )
                };
                not_applicable.push(Basis {
                    id: id.clone(),
                    title: item.title.clone(),
                    source,
                    standard: None,
                    verified: None,
                });
                t.rule("classification.item_not_applicable");
            }
        }
        // Order 10 Art. 14, from 2023-05-15: a failed device is major by itself.
        if h.facts.device_failed {
            if day >= (2023, 5, 15) {
                t.row("facts", "device_failed");
                t.version(&CATALOGUES[0], h.found_on);
                let item = &self.catalogues[0]["GM-14"];
                t.row("catalogue_gongmao", "GM-14");
                let basis_item = Basis {
                    id: "GM-14".to_owned(),
                    title: item.title.clone(),
                    source: item.source.clone(),
                    standard: Some(item.standard.clone()),
                    verified: Some(item.verified),
                };
                if sector.item_sectors.contains(&"any") {
                    t.rule("classification.unverified_item");
                    t.rule("classification.art14_device_failed");
                    basis.push(basis_item);
                } else {
                    t.rule("classification.item_not_applicable");
                    not_applicable.push(Basis {
                        standard: None,
                        verified: None,
                        ..basis_item
                    });
                }
            } else {
                t.rule("classification.art14_not_in_force");
            }
        }
        let facts = [h.facts.needs_suspension, h.facts.cannot_self_remove];
        for (&(id, title), _) in FACTS.iter().zip(facts).filter(|(_, on)| *on) {
            t.row("facts", id);
            basis.push(Basis {
                id: id.to_owned(),
                title: title.to_owned(),
                source: FACT_SOURCE.to_owned(),
                standard: None,
                verified: None,
            });
            t.rule("classification.order16_art3_fact");
        }
        let major = !basis.is_empty();
        let mut duties = Vec::new();
        if major {
            let listed = h.listing.is_some();
            let suspension = h.facts.needs_suspension;
            for &(id, when, title) in MAJOR_DUTIES {
                let applies = match when {
                    When::Always => true,
                    When::NeedsSuspension => suspension,
                    When::ListedAndSuspension => listed && suspension,
                };
                if applies {
                    t.row("major_duties", id);
                    duties.push(Basis {
                        id: id.to_owned(),
                        title: title.to_owned(),
                        source: DUTY_SOURCE.to_owned(),
                        standard: None,
                        verified: None,
                    });
                }
            }
        } else {
            t.rule("classification.general");
        }
        let cls = Classification {
            level: if major { "major" } else { "general" }.to_owned(),
            basis,
            not_applicable,
            duties,
        };
        Ok((cls, major))
    }

    /// The deadline (listing, else class; Civil Code counting) and the closed loop.
    fn rectify(
        &self,
        h: &Hazard,
        major: bool,
        as_of: NaiveDate,
        t: &mut Trace,
    ) -> Result<Rectification, InputError> {
        t.values("rectification");
        // Replay of the events against `stages`.
        let mut stage_now = "found";
        let mut closed_on = None;
        let mut extensions = Vec::new();
        for (i, e) in h.events.iter().enumerate() {
            if e.stage == "extended" {
                if stage_now == "closed" {
                    return err(
                        format!("hazard.events[{i}].stage"),
                        "an extension cannot follow closing (销号)",
                    );
                }
                let Some(days) = e.extension_days else {
                    return err(
                        format!("hazard.events[{i}].extension_days"),
                        "an extension needs extension_days",
                    );
                };
                extensions.push(i64::from(days));
            } else if !(i == 0 && e.stage == "found") {
                let Some((next, _)) = stage(&e.stage) else {
                    return err(
                        format!("hazard.events[{i}].stage"),
                        format!("unknown stage \"{}\"", e.stage),
                    );
                };
                let allowed = stage(stage_now).map_or(&[][..], |s| s.1);
                if !allowed.contains(&next) {
                    return err(
                        format!("hazard.events[{i}].stage"),
                        format!(
                            "\"{next}\" cannot follow \"{stage_now}\" (allowed next: {allowed:?})"
                        ),
                    );
                }
                stage_now = next;
                if next == "closed" {
                    closed_on = Some(e.on);
                }
            }
        }
        let mut r = Rectification {
            stage: stage_now.to_owned(),
            next_stages: strings(stage(stage_now).map_or(&[][..], |s| s.1)),
            start: h.found_on,
            period_days: None,
            due: None,
            status: String::new(),
            days_left: None,
            overdue_days: None,
            closed_on,
            extensions,
            escalation: Vec::new(),
            provisional: false,
            provisional_note: None,
            reports: match &h.enterprise {
                Some(e) => statistics_reports(&e.name, as_of, t),
                None => Vec::new(),
            },
        };
        if h.facts.fixed_on_spot && !major {
            t.rule("rectification.fixed_on_spot");
            r.status = "fixed_on_spot".to_owned();
            return Ok(r);
        }
        let period = if let Some(l) = &h.listing {
            let Some((level, days)) = listing_period(&l.level) else {
                return err(
                    "hazard.listing.level",
                    format!("unknown listing level \"{}\"", l.level),
                );
            };
            t.row("listing_periods", level);
            r.start = l.listed_on;
            t.rule("rectification.listed_period");
            days
        } else if major {
            t.rule("rectification.major_period");
            MAJOR_PERIOD_DAYS
        } else {
            t.rule("rectification.general_period");
            GENERAL_PERIOD_DAYS
        };
        r.period_days = Some(period);
        let (mut due, mut missing) = self.calendar.deadline(r.start, period, t);
        for &days in &r.extensions {
            let (extended, m) = self.calendar.deadline(due, days, t);
            due = extended;
            missing = missing.or(m);
            t.rule("rectification.extension");
        }
        r.due = Some(due);
        if let Some(year) = missing {
            r.provisional = true;
            r.provisional_note = Some(provisional_note(year));
            t.rule("rectification.provisional");
        }

        if let Some(closed) = r.closed_on {
            let late = (closed - due).num_days();
            if late > 0 {
                r.status = "closed_late".to_owned();
                r.overdue_days = Some(late);
                t.rule("rectification.closed_late");
            } else {
                r.status = "closed_on_time".to_owned();
                t.rule("rectification.closed_on_time");
            }
            return Ok(r);
        }
        let left = (due - as_of).num_days();
        if left < 0 {
            r.status = "overdue".to_owned();
            r.overdue_days = Some(-left);
            let level = match &h.listing {
                Some(l) => l.level.as_str(),
                None => supervisor(major),
            };
            let (key, actions) = escalation(level).expect("every listing level escalates");
            t.row("escalation", key);
            r.escalation = strings(actions);
            t.rule("rectification.overdue");
        } else {
            r.days_left = Some(left);
            if left <= DUE_SOON_DAYS {
                r.status = "due_soon".to_owned();
                t.rule("rectification.due_soon");
            } else {
                r.status = "not_due".to_owned();
            }
        }
        Ok(r)
    }

    /// Decree 493: grade by the highest criterion, reporting and investigation limits.
    fn grade_accident(&self, a: &Accident, t: &mut Trace) -> AccidentResponse {
        let (n1, g1) = band(&ACCIDENT_DEATHS, f64::from(a.deaths));
        t.row("accident_deaths", n1.to_string());
        let (n2, g2) = band(&ACCIDENT_INJURIES, f64::from(a.serious_injuries));
        t.row("accident_injuries", n2.to_string());
        let (n3, g3) = band(&ACCIDENT_LOSS, a.direct_loss_cny);
        t.row("accident_loss", n3.to_string());
        let found = [
            ("deaths", *g1),
            ("serious_injuries", *g2),
            ("direct_loss", *g3),
        ];
        let best = found.iter().map(|f| f.1.rank).max().unwrap_or(1);
        let mut criteria = Vec::with_capacity(3);
        let mut grade = &GENERAL;
        for (name, g) in found {
            if g.rank == best {
                criteria.push(name.to_owned());
                grade = g;
            }
        }
        t.row("accident_grades", grade.code);
        t.values("accident_reporting");
        let supplement = supplement_days(&a.kind);
        t.rule("response.accident_grade");
        t.rule("response.reporting");
        let mut out = AccidentResponse {
            grade: grade.code.to_owned(),
            grade_zh: grade.zh.to_owned(),
            criteria,
            investigated_by: grade.investigated_by.to_owned(),
            reported_up_to: grade.reported_up_to.to_owned(),
            unit_report_hours: UNIT_REPORT_HOURS,
            per_level_hours: PER_LEVEL_HOURS,
            supplement_days: supplement,
            investigation_days: INVESTIGATION_DAYS,
            investigation_extension_days: INVESTIGATION_EXTENSION_DAYS,
            supplement_until: None,
            investigation_due: None,
            investigation_latest: None,
            provisional: false,
            provisional_note: None,
        };
        if let Some(on) = a.occurred_on {
            out.supplement_until = Some(add_days(on, supplement));
            let (due, m1) = self.calendar.deadline(on, INVESTIGATION_DAYS, t);
            out.investigation_due = Some(due);
            // Art. 29: at most 60 more days, counted from the day of the accident.
            let (latest, m2) =
                self.calendar
                    .deadline(on, INVESTIGATION_DAYS + INVESTIGATION_EXTENSION_DAYS, t);
            out.investigation_latest = Some(latest);
            if let Some(year) = m1.or(m2) {
                out.provisional = true;
                out.provisional_note = Some(provisional_note(year));
                t.rule("response.investigation_provisional");
            }
        }
        out
    }
}

/// Unit lead by class (Order 16 Art. 15), sector regulator ("三管三必须"),
/// territorial posts and the supervising level.
fn assign(h: &Hazard, major: bool, t: &mut Trace) -> Result<Responsibility, InputError> {
    let mut out = Vec::with_capacity(6);
    let lead_zh = if major {
        "主要负责人"
    } else {
        "车间或部门负责人"
    };
    t.row(
        "rectification_leads",
        if major { "major" } else { "general" },
    );
    if let Some(e) = &h.enterprise {
        let post = if major {
            e.principal.as_ref()
        } else {
            e.department_head.as_ref()
        };
        out.push(post_holder(
            "rectification_lead",
            format!("{}{lead_zh}", e.name),
            post,
            t,
        ));
        if let Some(l) = &e.tenant_of {
            let kind_zh = if l.kind == "park" {
                "园区"
            } else {
                "出租方"
            };
            out.push(post_holder(
                "coordinator",
                format!("{}（{kind_zh}）", l.name),
                l.contact.as_ref(),
                t,
            ));
            t.rule("responsibility.tenant_coordinator");
        }
    } else {
        out.push(Assignment {
            role: "rectification_lead".to_owned(),
            post: lead_zh.to_owned(),
            person: None,
            acting_for: None,
        });
    }
    let Some(sector) = SECTORS.iter().find(|s| s.code == h.sector) else {
        return err("hazard.sector", "unknown sector");
    };
    t.row("sectors", sector.code);
    let &(dept_code, dept_zh) = DEPARTMENTS
        .iter()
        .find(|d| d.0 == sector.regulator)
        .expect("every sector has a regulator");
    t.row("departments", dept_code);
    out.push(Assignment {
        role: "sector_regulator".to_owned(),
        post: dept_zh.to_owned(),
        person: None,
        acting_for: None,
    });
    t.rule("responsibility.sector_regulator");
    if let Some(l) = &h.location {
        out.push(post_holder(
            "township",
            format!("{}应急管理中心", l.township),
            l.township_lead.as_ref(),
            t,
        ));
        if let Some(v) = &l.village {
            out.push(post_holder(
                "village_head",
                format!("{v}负责人"),
                l.village_head.as_ref(),
                t,
            ));
        }
        if l.grid.is_some() || l.grid_member.is_some() {
            out.push(post_holder(
                "grid_member",
                format!("{}网格员", l.grid.as_deref().unwrap_or("")),
                l.grid_member.as_ref(),
                t,
            ));
        }
        t.rule("responsibility.territorial");
    }
    let level = match &h.listing {
        Some(l) => l.level.clone(),
        None => {
            t.row(
                "supervising_levels",
                if major { "major" } else { "general" },
            );
            supervisor(major).to_owned()
        }
    };
    t.rule("responsibility.supervising_level");
    Ok(Responsibility {
        assignments: out,
        supervising_level: Some(level),
        staffing: None,
    })
}

/// Township staffing (seed 004).
fn check_staffing(tw: &Township, t: &mut Trace) -> Staffing {
    t.values("staffing");
    let required = tw.industrial_enterprises.div_ceil(INDUSTRIAL_PER_STAFF)
        + tw.commercial_premises.div_ceil(COMMERCIAL_PER_STAFF)
        + tw.rented_dwellings.div_ceil(RENTED_PER_STAFF);
    let mut shortfalls = Vec::new();
    if tw.safety_staff < required {
        let s = tw.safety_staff;
        shortfalls.push(format!(
            "应急管理人员{s}人，按标准需{required}人 staff {s} < {required}"
        ));
    }
    if tw.certified_officers < MIN_CERTIFIED_OFFICERS {
        let (c, m) = (tw.certified_officers, MIN_CERTIFIED_OFFICERS);
        shortfalls.push(format!("持证执法人员{c}人，至少需{m}人 officers {c} < {m}"));
    }
    t.rule("responsibility.staffing");
    Staffing {
        required_staff: i64::from(required),
        actual_staff: i64::from(tw.safety_staff),
        required_officers: i64::from(MIN_CERTIFIED_OFFICERS),
        actual_officers: i64::from(tw.certified_officers),
        ok: shortfalls.is_empty(),
        shortfalls,
    }
}

/// Zhejiang's flood and typhoon plan (replaces the national response):
/// the highest level reached by flood triggers or, by colour, other signals.
fn respond_to_warning(w: &Warning, t: &mut Trace) -> Result<WarningResponse, InputError> {
    let mut triggers = Vec::new();
    let mut flood = 0u8;
    let mut other = 0u8;
    let mut signal: Option<&'static str> = None;
    // The separate responses (`response_kinds`): rank and triggers of each.
    let (mut flood_rank, mut typhoon_rank, mut sea_rank) = (0u8, 0u8, 0u8);
    let (mut flood_triggers, mut typhoon_triggers, mut sea_triggers) =
        (Vec::new(), Vec::new(), Vec::new());

    if let Some(ty) = &w.typhoon {
        signal = TYPHOON_SIGNALS
            .iter()
            .find(|s| {
                ty.within_hours <= s.1
                    && (ty.sustained_force >= s.2 || ty.gust_force.is_some_and(|g| g >= s.3))
            })
            .map(|s| s.0);
        if let Some(s) = signal {
            t.row("typhoon_signals", s);
            t.rule("response.typhoon_signal");
            let have = colour(s).map_or(0, |c| c.rank);
            let r = flood_signal_rank("typhoon", have, t);
            if r > 0 {
                triggers.push(format!("typhoon:{s}"));
                if ty.at_sea {
                    sea_triggers.push(format!("typhoon:{s}"));
                    sea_rank = sea_rank.max(r);
                } else {
                    typhoon_triggers.push(format!("typhoon:{s}"));
                    typhoon_rank = typhoon_rank.max(r);
                    flood = flood.max(r);
                }
            }
        }
    }
    for (hazard, c) in &w.signals {
        let Some(col) = colour(c) else {
            return err(
                format!("warning.signals.{hazard}"),
                format!("unknown warning colour \"{c}\" (red, orange, yellow, blue)"),
            );
        };
        if FLOOD_RESPONSE
            .iter()
            .any(|r| r.signals.iter().any(|s| s.0 == hazard))
        {
            let r = flood_signal_rank(hazard, col.rank, t);
            if r > 0 {
                triggers.push(format!("{hazard}:{c}"));
                flood = flood.max(r);
                if hazard == "typhoon" {
                    typhoon_triggers.push(format!("{hazard}:{c}"));
                    typhoon_rank = typhoon_rank.max(r);
                } else {
                    flood_triggers.push(format!("{hazard}:{c}"));
                    flood_rank = flood_rank.max(r);
                }
            }
        } else {
            triggers.push(format!("{hazard}:{c}"));
            other = other.max(col.rank);
        }
    }

    if let Some(mm) = w.rainfall_24h_mm {
        let hit = FLOOD_RESPONSE
            .iter()
            .filter(|r| r.rainfall_24h_mm.is_some_and(|need| mm >= need))
            .max_by_key(|r| r.rank);
        if let Some(r) = hit {
            let need = r.rainfall_24h_mm.unwrap_or_default();
            let trigger = format!("rainfall_24h:{}mm≥{}mm", num_text(mm), num_text(need));
            triggers.push(trigger.clone());
            flood_triggers.push(trigger);
            flood_rank = flood_rank.max(r.rank);
            t.rule("response.flood_rainfall");
            flood = flood.max(r.rank);
        }
    }

    if let Some(level) = w.water_level_m {
        let (warn, guarantee) = (w.warning_level_m, w.guarantee_level_m);
        if warn.is_none() && guarantee.is_none() {
            return err(
                "warning.water_level_m",
                "a water level needs the gauge's warning_level_m or guarantee_level_m",
            );
        }
        if let (Some(wl), Some(gl)) = (warn, guarantee) {
            if gl < wl {
                return err(
                    "warning.guarantee_level_m",
                    format!("the guarantee level ({gl}) is below the warning level ({wl})"),
                );
            }
        }
        let mut hit: Option<(&FloodRow, Over, f64, f64)> = None;
        for r in &FLOOD_RESPONSE {
            let Some((over, margin)) = r.water else {
                continue;
            };
            let reference = match over {
                Over::Warning => warn,
                Over::Guarantee => guarantee,
            };
            if let Some(reference) = reference {
                let threshold = reference + margin;
                if level >= threshold && hit.is_none_or(|h| r.rank > h.0.rank) {
                    hit = Some((r, over, margin, threshold));
                }
            }
        }
        if let Some((r, over, margin, threshold)) = hit {
            let over = if over == Over::Guarantee {
                "guarantee"
            } else {
                "warning"
            };
            let what = if margin == 0.0 {
                over.to_owned()
            } else {
                format!("{over}+{}m", num_text(margin))
            };
            let trigger = format!(
                "water_level:{}m≥{}m ({what})",
                num_text(level),
                num_text(threshold)
            );
            triggers.push(trigger.clone());
            flood_triggers.push(trigger);
            flood_rank = flood_rank.max(r.rank);
            t.rule("response.flood_water_level");
            flood = flood.max(r.rank);
        }
    }

    let best = flood.max(other).max(sea_rank);
    if best == 0 {
        t.rule("response.no_trigger");
        return Ok(WarningResponse {
            typhoon_signal: signal.map(str::to_owned),
            level: None,
            colour: None,
            triggers,
            actions: Vec::new(),
            notify: Vec::new(),
            responses: Vec::new(),
        });
    }
    let mut responses = Vec::new();
    for (kind, zh, rank, kind_triggers) in [
        ("flood", "防汛", flood_rank, flood_triggers),
        ("typhoon", "防台风", typhoon_rank, typhoon_triggers),
        ("sea_typhoon", "海上防台风", sea_rank, sea_triggers),
    ] {
        if rank > 0 {
            responses.push(PlanResponse {
                kind: kind.to_owned(),
                zh: zh.to_owned(),
                level: colour_of_rank(rank).level.to_owned(),
                triggers: kind_triggers,
            });
        }
    }
    if !responses.is_empty() {
        t.rule("response.zhejiang_responses");
    }
    let mut actions = Vec::with_capacity(16);
    if flood > 0 {
        let row = &FLOOD_RESPONSE[flood as usize - 1];
        t.row("flood_response", row.level);
        t.rule("response.flood_level");
        actions.extend(row.actions.iter().map(|a| (*a).to_owned()));
    }
    if sea_rank > 0 {
        t.row("response_kinds", "sea_typhoon");
        let level = colour_of_rank(sea_rank).level;
        actions.push(format!(
            "启动海上防台风{level}级应急响应 start the sea typhoon level {level} response"
        ));
    }
    t.values("warning_response");
    if other > flood {
        let level = colour_of_rank(other).level;
        actions.extend(national_actions(level).iter().map(|a| (*a).to_owned()));
    }
    if w.signals.contains_key("fire") {
        for (key, action) in FIRE_13510 {
            t.row("fire_13510", key);
            actions.push(action.to_owned());
        }
        t.rule("response.fire_13510");
    }
    let c = colour_of_rank(best);
    t.rule("response.warning_level");
    Ok(WarningResponse {
        typhoon_signal: signal.map(str::to_owned),
        level: Some(c.level.to_owned()),
        colour: Some(c.colour.to_owned()),
        triggers,
        actions,
        notify: strings(&NOTIFY),
        responses,
    })
}

/// The highest flood level whose row names `hazard` at a colour rank no higher
/// than `have` (0 when none does).
fn flood_signal_rank(hazard: &str, have: u8, t: &mut Trace) -> u8 {
    let best = FLOOD_RESPONSE
        .iter()
        .filter(|r| r.signals.iter().any(|s| s.0 == hazard && have >= s.1))
        .map(|r| r.rank)
        .max()
        .unwrap_or(0);
    if best > 0 {
        t.rule("response.flood_signal");
    }
    best
}

/// LEC and LS points, the unit's colour and inspections, a region's colour.
fn score_risk(risk: &RiskInput, t: &mut Trace) -> Result<Risk, InputError> {
    let mut points = Vec::with_capacity(risk.points.len());
    let mut worst = 0u8;
    for (i, p) in risk.points.iter().enumerate() {
        let (scored, rank) = score_point(p, i, t)?;
        worst = worst.max(rank);
        points.push(scored);
    }
    let unit = match &risk.unit {
        Some(u) => Some(unit_risk(u, worst, t)?),
        None => None,
    };
    let region = match &risk.region {
        Some(r) => Some(region_risk(r, t)?),
        None => None,
    };
    Ok(Risk {
        points,
        unit,
        region,
    })
}

fn score_point(p: &RiskPoint, i: usize, t: &mut Trace) -> Result<(PointRisk, u8), InputError> {
    match p.method.as_str() {
        "LEC" => {
            let factor = |name: &str, v: Option<f64>, allowed: &[f64]| match v {
                None => err(
                    format!("risk.points[{i}].{}", name.to_lowercase()),
                    format!("LEC needs {name}"),
                ),
                Some(v) if !allowed.contains(&v) => err(
                    format!("risk.points[{i}].{}", name.to_lowercase()),
                    format!("{v} is not an allowed {name} value of the LEC table"),
                ),
                Some(v) => Ok(v),
            };
            let l = factor("L", Some(p.l), &LEC_L)?;
            let e = factor("E", p.e, &LEC_E)?;
            let c = factor("C", p.c, &LEC_C)?;
            // Rounded to 4 decimals so 0.2×3×100 is 60, not 60.00000000000001.
            let d = (l * e * c * 10000.0).round() / 10000.0;
            let (gn, grade) = band(&LEC_GRADES, d);
            t.row("lec_grades", gn.to_string());
            let (cn, &rank) = band(&LEC_COLOURS, d);
            t.row("lec_colours", cn.to_string());
            t.rule("risk.lec");
            let point = PointRisk {
                id: p.id.clone(),
                method: "LEC".to_owned(),
                score: d,
                grade: (*grade).to_owned(),
                colour: colour_of_rank(rank).colour.to_owned(),
            };
            Ok((point, rank))
        }
        "LS" => {
            let Some(s) = p.s else {
                return err(format!("risk.points[{i}].s"), "LS needs s (severity 1–5)");
            };
            for (name, v) in [("l", p.l), ("s", s)] {
                if !(1.0..=5.0).contains(&v) || v != v.floor() {
                    return err(
                        format!("risk.points[{i}].{name}"),
                        format!("must be a whole number from 1 to 5, got {v}"),
                    );
                }
            }
            let r = p.l * s;
            let (n, &(rank, grade)) = band(&LS_COLOURS, r);
            t.row("ls_colours", n.to_string());
            t.rule("risk.ls");
            let point = PointRisk {
                id: p.id.clone(),
                method: "LS".to_owned(),
                score: r,
                grade: grade.to_owned(),
                colour: colour_of_rank(rank).colour.to_owned(),
            };
            Ok((point, rank))
        }
        other => err(
            format!("risk.points[{i}].method"),
            format!("unknown method \"{other}\" (LEC or LS)"),
        ),
    }
}

fn unit_risk(u: &UnitSignals, worst_point: u8, t: &mut Trace) -> Result<UnitRisk, InputError> {
    let mut rank = worst_point.max(1);
    let mut reasons = Vec::new();
    if worst_point > 0 {
        let w = colour_of_rank(worst_point);
        reasons.push(format!("风险点最高{} worst risk point {}", w.zh, w.colour));
    }
    for (id, signal, at_least, floor, zh) in UNIT_SIGNALS {
        let value = match signal {
            Signal::OpenMajorHazards => u.open_major_hazards,
            Signal::RecentAccidents => u.recent_accidents,
            Signal::OverdueHazards => u.overdue_hazards,
            Signal::Ungraded => u32::from(u.standardisation_grade.is_none()),
        };
        if value >= at_least && floor > rank {
            rank = floor;
            t.row("unit_signals", id);
            reasons.push(zh.to_owned());
        }
    }
    let c = colour_of_rank(rank);
    t.rule("risk.unit");
    let Some((key, per_grade)) = inspection_frequency(&u.sector_group) else {
        return err(
            "risk.unit.sector_group",
            format!("unknown sector group \"{}\"", u.sector_group),
        );
    };
    t.row("inspection_frequency", key);
    let inspections = match u.standardisation_grade {
        None => per_grade[3],
        Some(g @ 1..=3) => per_grade[g as usize - 1],
        Some(g) => {
            return err(
                "risk.unit.standardisation_grade",
                format!("must be 1, 2 or 3, got {g}"),
            )
        }
    };
    Ok(UnitRisk {
        colour: c.colour.to_owned(),
        level: c.risk_en.to_owned(),
        reasons,
        inspections_per_year: Some(inspections),
    })
}

fn region_risk(region: &Region, t: &mut Trace) -> Result<RegionRisk, InputError> {
    t.values("region_rule");
    let mut counts = [0usize; 5];
    for (i, c) in region.unit_colours.iter().enumerate() {
        let Some(col) = colour(c) else {
            return err(
                format!("risk.region.unit_colours[{i}]"),
                format!("unknown colour \"{c}\""),
            );
        };
        counts[col.rank as usize] += 1;
    }
    let best = COLOURS
        .iter()
        .filter(|c| counts[c.rank as usize] >= REGION_MIN_UNITS)
        .map(|c| c.rank)
        .fold(1, u8::max);
    t.rule("risk.region");
    Ok(RegionRisk {
        colour: colour_of_rank(best).colour.to_owned(),
        rule: REGION_RULE_ZH.to_owned(),
    })
}

/// Structural checks: finite, non-negative numbers; events in date order.
fn validate(input: &Input) -> Result<(), InputError> {
    fn finite(path: &str, v: f64) -> Result<(), InputError> {
        if v.is_finite() {
            Ok(())
        } else {
            err(path, "must be a finite number")
        }
    }
    fn non_negative(path: &str, v: f64) -> Result<(), InputError> {
        finite(path, v)?;
        if v < 0.0 {
            return err(path, format!("must not be negative, got {v}"));
        }
        Ok(())
    }
    if let Some(a) = &input.accident {
        non_negative("accident.direct_loss_cny", a.direct_loss_cny)?;
    }
    if let Some(w) = &input.warning {
        for (path, v) in [
            ("warning.rainfall_1h_mm", w.rainfall_1h_mm),
            ("warning.rainfall_24h_mm", w.rainfall_24h_mm),
        ] {
            if let Some(v) = v {
                non_negative(path, v)?;
            }
        }
        for (path, v) in [
            ("warning.water_level_m", w.water_level_m),
            ("warning.warning_level_m", w.warning_level_m),
            ("warning.guarantee_level_m", w.guarantee_level_m),
        ] {
            if let Some(v) = v {
                finite(path, v)?;
            }
        }
    }
    if let Some(r) = &input.risk {
        for (i, p) in r.points.iter().enumerate() {
            for (name, v) in [("l", Some(p.l)), ("e", p.e), ("c", p.c), ("s", p.s)] {
                if let Some(v) = v {
                    non_negative(&format!("risk.points[{i}].{name}"), v)?;
                }
            }
        }
    }
    if let Some(h) = &input.hazard {
        let mut previous = h.found_on;
        for (i, e) in h.events.iter().enumerate() {
            if e.on < previous {
                return err(
                    format!("hazard.events[{i}].on"),
                    format!("{} is earlier than the event before it ({previous})", e.on),
                );
            }
            previous = e.on;
        }
    }
    Ok(())
}

impl FairBaseline {
    /// Panics unless `answer` equals the engine's `decision` in every output
    /// field and in the trace's `(kind, id, row)` sequence.
    pub fn check_against(&self, decision: &Decision, answer: &FairAnswer) {
        assert_eq!(decision.id, answer.id, "id");
        assert_eq!(decision.as_of, answer.as_of, "as_of");
        let chain: Vec<(&str, &str)> = decision
            .ruleset
            .iter()
            .map(|r| (r.id.as_str(), r.version.as_str()))
            .collect();
        assert_eq!(chain, answer.ruleset, "ruleset chain");
        assert_eq!(decision.in_force, answer.in_force, "in_force");
        assert_eq!(
            decision.classification, answer.classification,
            "classification"
        );
        assert_eq!(
            decision.rectification, answer.rectification,
            "rectification"
        );
        assert_eq!(
            decision.responsibility, answer.responsibility,
            "responsibility"
        );
        assert_eq!(decision.response, answer.response, "response");
        assert_eq!(decision.risk, answer.risk, "risk");
        let engine: Vec<(&str, &str, Option<&str>)> = decision
            .trace
            .iter()
            .map(|e| (e.kind.as_str(), e.id.as_str(), e.row.as_deref()))
            .collect();
        let mine: Vec<(&str, &str, Option<&str>)> = answer
            .trace
            .iter()
            .map(|(k, id, row)| (*k, *id, row.as_deref()))
            .collect();
        assert_eq!(engine, mine, "trace (kind, id, row)");
    }
}

/// `statistics_reporting` (Order 16 Art. 14): per report, its key, title,
/// source, and its due days in a year `(month, day, covers, previous year)`.
#[allow(clippy::type_complexity)]
const STATISTICS_REPORTING: [(&str, &str, &str, &[(u32, u32, &str, bool)]); 2] = [
    (
        "quarterly",
        "季度事故隐患排查治理情况统计分析表（主要负责人签字） quarterly hazard statistics and analysis, signed by the principal",
        "原国家安监总局令第16号 第十四条：每季统计分析，下一季度15日前报送",
        &[(1, 15, "Q4", true), (4, 15, "Q1", false), (7, 15, "Q2", false), (10, 15, "Q3", false)],
    ),
    (
        "yearly",
        "年度事故隐患排查治理情况统计分析表（主要负责人签字） yearly hazard statistics and analysis, signed by the principal",
        "原国家安监总局令第16号 第十四条：每年统计分析，下一年1月31日前报送",
        &[(1, 31, "", true)],
    ),
];

/// The unit's next quarterly and yearly statistics reports on or after `as_of`.
fn statistics_reports(_unit: &str, as_of: NaiveDate, t: &mut Trace) -> Vec<Report> {
    let mut out = Vec::with_capacity(STATISTICS_REPORTING.len());
    for (key, title, source, dues) in STATISTICS_REPORTING {
        let next = [as_of.year(), as_of.year() + 1].into_iter().find_map(|y| {
            dues.iter().find_map(|&(m, d, covers, previous)| {
                let on = NaiveDate::from_ymd_opt(y, m, d)?;
                (on >= as_of).then(|| {
                    let covered = if previous { y - 1 } else { y };
                    let covers = if covers.is_empty() {
                        covered.to_string()
                    } else {
                        format!("{covered}-{covers}")
                    };
                    (on, covers)
                })
            })
        });
        let (due, covers) = next.expect("a due day within two years");
        t.row("statistics_reporting", key);
        t.rule("rectification.statistics_report");
        out.push(Report {
            id: key.to_owned(),
            title: title.to_owned(),
            covers,
            due,
            source: source.to_owned(),
        });
    }
    out
}

/// The note of a provisional deadline, naming the year without a notice.
fn provisional_note(year: i32) -> String {
    format!(
        "规则集无{year}年国务院节假日安排通知，期限仅按周末推算，为暂定 \
         no State Council holiday notice for {year} in the ruleset: the deadline counts weekends only and is provisional"
    )
}
