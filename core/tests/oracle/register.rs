//! A deterministic hazard register for the oracle, modelled on
//! `bindings-python/examples/generate_register.py` but reaching every section
//! and as many rule branches as possible, with a share of bad records so that
//! error paths are compared too.
//!
//! The vocabularies (sectors, catalogue items, stages, listing levels, LEC
//! factors, band edges, colours…) are read from the ruleset tables at run
//! time, so a table edit changes what is generated instead of leaving the
//! generator testing yesterday's codes. The `toml` crate used for that is a
//! normal dependency of `hazard-rules`, which integration tests may use.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use hazard_rules::calendar::add_days;
use serde_json::{json, Map, Value};

/// SplitMix64: tiny, seedable and stable across platforms and crate
/// versions, which a fixed-seed corpus needs (no `rand` in the dependencies).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn weighted<'a, T>(&mut self, xs: &'a [(T, u32)]) -> &'a T {
        let total: u32 = xs.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as usize) as u32;
        for (x, w) in xs {
            if r < *w {
                return x;
            }
            r -= w;
        }
        &xs[xs.len() - 1].0
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(rel: &str) -> toml::Table {
    let path = root().join("rulesets").join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows(t: &toml::Table) -> &[toml::Value] {
    t["rows"].as_array().expect("a rows table has `rows`")
}

fn text(v: &toml::Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` in {v}"))
        .to_owned()
}

fn num(v: &toml::Value) -> f64 {
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

fn strings(v: &toml::Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Every bound (`gte`, `gt`, `lt`, `lte`) of a bands table: the edges the
/// generator puts values on and next to.
fn band_edges(t: &toml::Table) -> Vec<f64> {
    let mut out: Vec<f64> = rows(t)
        .iter()
        .flat_map(|r| {
            ["gte", "gt", "lt", "lte"]
                .iter()
                .filter_map(|k| r.get(*k).map(num))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

pub struct Sector {
    pub code: String,
    pub item_sectors: Vec<String>,
}

pub struct Item {
    pub id: String,
    pub sector: String,
    /// When the version of the catalogue that holds it is in force.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Item {
    fn in_force(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }
}

/// The codes and thresholds of the embedded rulesets, as the tables state them.
pub struct Vocab {
    pub sectors: Vec<Sector>,
    pub items: Vec<Item>,
    /// Stage code and the stages allowed after it.
    pub stages: Vec<(String, Vec<String>)>,
    pub listing_levels: Vec<String>,
    pub facts: Vec<String>,
    /// LEC factor values by factor (`L`, `E`, `C`).
    pub lec: [Vec<f64>; 3],
    pub deaths_edges: Vec<f64>,
    pub injuries_edges: Vec<f64>,
    pub loss_edges: Vec<f64>,
    pub accident_kinds: Vec<String>,
    /// `(within_hours, sustained, gust)` per typhoon signal row.
    pub typhoon: Vec<(i64, i64, i64)>,
    pub colours: Vec<String>,
    pub sector_groups: Vec<String>,
    pub rainfall_edges: Vec<f64>,
    pub water_margins: Vec<f64>,
    pub flood_signals: Vec<String>,
    /// industrial, commercial and rented units per staff member.
    pub staffing_ratios: [i64; 3],
    pub min_certified: i64,
    pub checklists: Vec<ChecklistVocab>,
}

/// A national checklist: id, subject kind, and items (id, fresh days).
pub struct ChecklistVocab {
    pub id: String,
    pub kind: String,
    pub items: Vec<(String, Option<i64>)>,
}

impl Vocab {
    pub fn load() -> Vocab {
        let sectors = rows(&load("national/tables/sectors.toml"))
            .iter()
            .map(|r| Sector {
                code: text(r, "code"),
                item_sectors: strings(&r["item_sectors"]),
            })
            .collect();
        // Every version of every catalogue: the files named like the table,
        // or declaring `table = "…"`, each with its dates.
        let mut items: Vec<Item> = Vec::new();
        let dir = root().join("rulesets/national/tables");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let day = |t: &toml::Table, k: &str| {
            t.get(k)
                .and_then(|v| v.as_str())
                .map(|d| d.parse().unwrap())
        };
        for cat in rows(&load("national/tables/catalogues.toml")) {
            let name = text(cat, "table");
            for path in &files {
                let rel = format!(
                    "national/tables/{}",
                    path.file_name().unwrap().to_string_lossy()
                );
                let table = load(&rel);
                let of = table
                    .get("table")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                if of.unwrap_or(stem) != name {
                    continue;
                }
                let (from, to) = (day(&table, "valid_from"), day(&table, "valid_to"));
                for r in rows(&table) {
                    let id = text(r, "id");
                    if !items.iter().any(|it| it.id == id) {
                        items.push(Item {
                            id,
                            sector: text(r, "sector"),
                            from,
                            to,
                        });
                    }
                }
            }
        }
        let stages = rows(&load("national/tables/stages.toml"))
            .iter()
            .map(|r| (text(r, "code"), strings(&r["next"])))
            .collect();
        let listing_levels = rows(&load("national/tables/listing_periods.toml"))
            .iter()
            .map(|r| text(r, "level"))
            .collect();
        let facts = rows(&load("national/tables/facts.toml"))
            .iter()
            .map(|r| text(r, "id"))
            .collect();
        let mut lec: [Vec<f64>; 3] = Default::default();
        for r in rows(&load("national/tables/lec_factors.toml")) {
            let key = text(r, "key");
            let (factor, value) = key.split_once(':').expect("LEC keys are FACTOR:VALUE");
            let slot = "LEC".find(factor).expect("factor L, E or C");
            lec[slot].push(value.parse().expect("a number"));
        }
        let reporting = load("national/tables/accident_reporting.toml");
        let mut accident_kinds = vec!["production".to_owned()];
        if let Some(t) = reporting["values"]
            .get("supplement_days_by_kind")
            .and_then(|v| v.as_table())
        {
            accident_kinds.extend(t.keys().cloned());
        }
        let typhoon = rows(&load("national/tables/typhoon_signals.toml"))
            .iter()
            .map(|r| {
                (
                    num(&r["within_hours"]) as i64,
                    num(&r["sustained"]) as i64,
                    num(&r["gust"]) as i64,
                )
            })
            .collect();
        let colours = rows(&load("national/tables/colours.toml"))
            .iter()
            .map(|r| text(r, "colour"))
            .collect();
        let sector_groups = rows(&load("national/tables/inspection_frequency.toml"))
            .iter()
            .map(|r| text(r, "sector_group"))
            .collect();
        let flood = load("zhejiang/tables/flood_response.toml");
        let mut rainfall_edges = Vec::new();
        let mut water_margins = Vec::new();
        let mut flood_signals = Vec::new();
        for r in rows(&flood) {
            if let Some(v) = r.get("rainfall_24h_mm") {
                rainfall_edges.push(num(v));
            }
            if let Some(w) = r.get("water") {
                water_margins.push(num(&w["margin_m"]));
            }
            if let Some(s) = r.get("signals").and_then(|s| s.as_table()) {
                flood_signals.extend(s.keys().cloned());
            }
        }
        flood_signals.sort();
        flood_signals.dedup();
        let staffing = load("national/tables/staffing.toml");
        let v = &staffing["values"];
        Vocab {
            sectors,
            items,
            stages,
            listing_levels,
            facts,
            lec,
            deaths_edges: band_edges(&load("national/tables/accident_deaths.toml")),
            injuries_edges: band_edges(&load("national/tables/accident_injuries.toml")),
            loss_edges: band_edges(&load("national/tables/accident_loss.toml")),
            accident_kinds,
            typhoon,
            colours,
            sector_groups,
            rainfall_edges,
            water_margins,
            flood_signals,
            staffing_ratios: [
                num(&v["industrial_per_staff"]) as i64,
                num(&v["commercial_per_staff"]) as i64,
                num(&v["rented_per_staff"]) as i64,
            ],
            min_certified: num(&v["min_certified_officers"]) as i64,
            checklists: rows(&load("national/tables/checklists.toml"))
                .iter()
                .map(|c| {
                    let items = rows(&load(&format!("national/tables/{}.toml", text(c, "items"))))
                        .iter()
                        .map(|r| (text(r, "id"), r.get("fresh_days").map(|d| num(d) as i64)))
                        .collect();
                    ChecklistVocab {
                        id: text(c, "id"),
                        kind: text(c, "subject"),
                        items,
                    }
                })
                .collect(),
        }
    }

    /// The stages allowed after `stage` (none after `closed` or an unknown one).
    pub fn next_stages(&self, stage: &str) -> &[String] {
        self.stages
            .iter()
            .find(|(s, _)| s == stage)
            .map(|(_, n)| n.as_slice())
            .unwrap_or(&[])
    }
}

const COUNTIES: [(&str, &[&str]); 5] = [
    ("婺城区", &["城东街道", "城北街道", "罗店镇", "汤溪镇"]),
    ("义乌市", &["稠城街道", "北苑街道", "佛堂镇", "苏溪镇"]),
    ("永康市", &["东城街道", "江南街道", "古山镇", "芝英镇"]),
    ("东阳市", &["吴宁街道", "横店镇", "南马镇"]),
    ("磐安县", &["安文街道", "尖山镇"]),
];
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志红海燕";
const FIRM: &str = "华鑫永恒瑞金宏盛通达利新兴隆泰安东丰源嘉";
const WARNING_HAZARDS: [&str; 7] = [
    "rainstorm",
    "typhoon",
    "heat",
    "fire",
    "gale",
    "cold_wave",
    "fog",
];

fn char_of(rng: &mut Rng, s: &str) -> char {
    let chars: Vec<char> = s.chars().collect();
    *rng.pick(&chars)
}

fn name(rng: &mut Rng) -> String {
    let mut s = String::new();
    s.push(char_of(rng, SURNAMES));
    for _ in 0..rng.range(1, 2) {
        s.push(char_of(rng, GIVEN));
    }
    s
}

/// An AB post: sometimes with a backup, sometimes with the primary absent
/// (with and without a backup, the two AB branches of `post_holder`).
fn post(rng: &mut Rng, absent_rate: f64) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), name(rng).into());
    if rng.chance(0.65) {
        p.insert("backup".into(), name(rng).into());
    }
    if rng.chance(absent_rate) {
        p.insert("absent".into(), true.into());
    } else if rng.chance(0.1) {
        p.insert("absent".into(), false.into());
    }
    Value::Object(p)
}

fn date(d: NaiveDate) -> Value {
    d.to_string().into()
}

/// A number written sometimes as a JSON integer and sometimes as a float, as
/// different callers do: both must parse and decide alike.
fn number(rng: &mut Rng, v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 && rng.chance(0.5) {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// A value on, just below or just above one of `edges`, or anywhere up to
/// twice the largest edge.
fn near_edge(rng: &mut Rng, edges: &[f64], whole: bool) -> f64 {
    let top = edges.iter().cloned().fold(1.0, f64::max) * 2.0;
    if rng.chance(0.25) {
        let v = rng.unit() * top;
        return if whole {
            v.floor()
        } else {
            (v * 100.0).round() / 100.0
        };
    }
    let e = *rng.pick(edges);
    let step = if whole {
        1.0
    } else {
        *rng.pick(&[0.01, 0.1, 0.5, 1.0])
    };
    let v = match rng.below(3) {
        0 => e - step,
        1 => e,
        _ => e + step,
    };
    v.max(0.0)
}

struct Enterprise {
    name: String,
    sector: usize,
    township: usize,
    village: String,
    grid: String,
    grid_member: Value,
    principal: Value,
    department_head: Value,
    tenant_of: Option<Value>,
    grade: Option<i64>,
    group: usize,
}

struct Township {
    county: &'static str,
    name: &'static str,
    lead: Value,
    village_heads: Vec<(String, Value)>,
}

/// Townships and enterprises with their people, so that records share posts
/// and names as a real register does.
pub struct Generator<'v> {
    vocab: &'v Vocab,
    rng: Rng,
    townships: Vec<Township>,
    enterprises: Vec<Enterprise>,
}

/// What a generated record is for, so the oracle can check the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Valid,
    /// Spoiled on purpose: mostly for the rules or the parser to reject; a
    /// few carry extreme values that are still decided.
    Spoiled,
}

impl<'v> Generator<'v> {
    pub fn new(vocab: &'v Vocab, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut townships = Vec::new();
        let mut enterprises = Vec::new();
        for (county, names) in COUNTIES {
            for t in names {
                let village_heads = (0..4)
                    .map(|_| {
                        let v = format!("{}{}村", char_of(&mut rng, FIRM), char_of(&mut rng, FIRM));
                        (v, post(&mut rng, 0.1))
                    })
                    .collect();
                townships.push(Township {
                    county,
                    name: t,
                    lead: post(&mut rng, 0.08),
                    village_heads,
                });
                let township = townships.len() - 1;
                for _ in 0..rng.range(6, 14) {
                    let sector = rng.below(vocab.sectors.len());
                    let village = townships[township].village_heads[rng.below(4)].0.clone();
                    let grid = format!("{village}第{}网格", rng.range(1, 8));
                    let tenant_of = rng.chance(0.15).then(|| {
                        let kind = *rng.pick(&["park", "landlord"]);
                        let mut l = json!({
                            "name": format!("{t}{}", if kind == "park" { "小微企业园" } else { "标准厂房出租方" }),
                            "kind": kind,
                        });
                        if rng.chance(0.75) {
                            l["contact"] = post(&mut rng, 0.1);
                        }
                        l
                    });
                    let e = Enterprise {
                        name: format!(
                            "{}{}{}有限公司",
                            &county[..6],
                            char_of(&mut rng, FIRM),
                            char_of(&mut rng, FIRM)
                        ),
                        sector,
                        township,
                        village,
                        grid,
                        grid_member: post(&mut rng, 0.08),
                        principal: post(&mut rng, 0.1),
                        department_head: post(&mut rng, 0.1),
                        tenant_of,
                        grade: *rng.weighted(&[
                            (Some(1), 2),
                            (Some(2), 10),
                            (Some(3), 40),
                            (None, 40),
                        ]),
                        group: rng.below(vocab.sector_groups.len()),
                    };
                    enterprises.push(e);
                }
            }
        }
        Generator {
            vocab,
            rng,
            townships,
            enterprises,
        }
    }

    /// The generator's random stream, for choices about a record made outside
    /// it (its "as of" date), so that one seed fixes the whole corpus.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Record `i` as of `as_of`.
    pub fn record(&mut self, i: usize, as_of: NaiveDate) -> (Value, Kind) {
        let mut rec = Map::new();
        if self.rng.chance(0.7) {
            rec.insert("id".into(), format!("R{i:06}").into());
        }
        let mut parts = 0;
        while parts == 0 && !self.rng.chance(0.005) {
            if self.rng.chance(0.75) {
                let (h, major) = self.hazard(i, as_of);
                rec.insert("hazard".into(), h);
                if self.rng.chance(0.6) {
                    rec.insert("risk".into(), self.risk(major));
                }
                parts += 1;
            } else if self.rng.chance(0.3) {
                rec.insert("risk".into(), self.risk(false));
                parts += 1;
            }
            if self.rng.chance(0.18) {
                rec.insert("accident".into(), self.accident(as_of));
                parts += 1;
            }
            if self.rng.chance(0.2) {
                rec.insert("warning".into(), self.warning());
                parts += 1;
            }
            if self.rng.chance(0.12) {
                rec.insert("township".into(), self.township());
                parts += 1;
            }
            if self.rng.chance(0.06) {
                rec.insert("checklist".into(), self.checklist(as_of));
                parts += 1;
            }
            if self.rng.chance(0.04) {
                rec.insert("targets".into(), self.targets(as_of));
                parts += 1;
            }
        }
        let mut rec = Value::Object(rec);
        let kind = if parts == 0 {
            // A record that asks for nothing is an input error.
            Kind::Spoiled
        } else if self.rng.chance(0.05) {
            self.spoil(&mut rec, as_of);
            Kind::Spoiled
        } else {
            Kind::Valid
        };
        (rec, kind)
    }

    fn found_on(&mut self, as_of: NaiveDate) -> NaiveDate {
        let lo = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let hi = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        if self.rng.chance(0.15) {
            add_days(lo, self.rng.range(0, (hi - lo).num_days()))
        } else {
            // Mostly recent, as a register read today is: overdue, due soon,
            // not due and closed hazards all occur.
            let back = self.rng.range(0, 200).min(self.rng.range(0, 500));
            add_days(as_of, -back).clamp(lo, hi)
        }
    }

    /// Items of the catalogues in force on the day the hazard was found.
    fn items(&mut self, sector: &Sector, found: NaiveDate) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        let in_force: Vec<&Item> = self
            .vocab
            .items
            .iter()
            .filter(|it| it.in_force(found))
            .collect();
        for _ in 0..*self.rng.weighted(&[(1, 6), (2, 3), (3, 1)]) {
            let applicable: Vec<&Item> = in_force
                .iter()
                .copied()
                .filter(|it| sector.item_sectors.contains(&it.sector))
                .collect();
            let id = if !applicable.is_empty() && self.rng.chance(0.8) {
                self.rng.pick(&applicable).id.clone()
            } else {
                self.rng.pick(&in_force).id.clone()
            };
            // An item listed twice is an input error (tests/errors.rs).
            if !out.iter().any(|v| v == &Value::String(id.clone())) {
                out.push(id.into());
            }
        }
        out
    }

    /// A hazard and whether it was generated to be major.
    fn hazard(&mut self, i: usize, as_of: NaiveDate) -> (Value, bool) {
        let vocab = self.vocab;
        let e = self.rng.below(self.enterprises.len());
        let sector_idx = if self.rng.chance(0.9) {
            self.enterprises[e].sector
        } else {
            self.rng.below(vocab.sectors.len())
        };
        let sector = &vocab.sectors[sector_idx];
        let found = self.found_on(as_of);
        let mut h = Map::new();
        if self.rng.chance(0.5) {
            h.insert(
                "id".into(),
                format!("JH{}-{i:07}", found.format("%Y%m")).into(),
            );
        }
        if self.rng.chance(0.3) {
            h.insert("description".into(), "车间安全通道堆放物料".into());
        }
        h.insert("sector".into(), sector.code.clone().into());
        let items = if self.rng.chance(0.3) {
            self.items(sector, found)
        } else {
            Vec::new()
        };
        if !items.is_empty() || self.rng.chance(0.5) {
            h.insert("items".into(), Value::Array(items.clone()));
        }
        let mut facts = Map::new();
        for f in &vocab.facts {
            if self.rng.chance(0.06) {
                facts.insert(f.clone(), true.into());
            } else if self.rng.chance(0.05) {
                facts.insert(f.clone(), false.into());
            }
        }
        if self.rng.chance(0.25) {
            facts.insert("fixed_on_spot".into(), true.into());
        }
        let major_fact = vocab
            .facts
            .iter()
            .any(|f| facts.get(f) == Some(&Value::Bool(true)));
        let fixed = facts.get("fixed_on_spot") == Some(&Value::Bool(true));
        if !facts.is_empty() || self.rng.chance(0.3) {
            h.insert("facts".into(), Value::Object(facts));
        }
        // Roughly: an item is major unless routed away; close enough to
        // choose the period the events are spread over.
        let major = major_fact || !items.is_empty();
        h.insert("found_on".into(), date(found));

        let ent = &self.enterprises[e];
        if self.rng.chance(0.85) {
            let t = &self.townships[ent.township];
            let mut loc = Map::new();
            if self.rng.chance(0.8) {
                loc.insert("county".into(), t.county.into());
            }
            loc.insert("township".into(), t.name.into());
            if self.rng.chance(0.75) {
                loc.insert("village".into(), ent.village.clone().into());
                if self.rng.chance(0.7) {
                    let head = t
                        .village_heads
                        .iter()
                        .find(|(v, _)| *v == ent.village)
                        .map(|(_, p)| p.clone())
                        .unwrap();
                    loc.insert("village_head".into(), head);
                }
            }
            if self.rng.chance(0.65) {
                loc.insert("grid".into(), ent.grid.clone().into());
            }
            if self.rng.chance(0.65) {
                loc.insert("grid_member".into(), ent.grid_member.clone());
            }
            if self.rng.chance(0.8) {
                loc.insert("township_lead".into(), t.lead.clone());
            }
            h.insert("location".into(), Value::Object(loc));
        }
        if self.rng.chance(0.8) {
            let mut en = Map::new();
            en.insert("name".into(), ent.name.clone().into());
            if self.rng.chance(0.85) {
                en.insert("principal".into(), ent.principal.clone());
            }
            if self.rng.chance(0.85) {
                en.insert("department_head".into(), ent.department_head.clone());
            }
            if let Some(t) = &ent.tenant_of {
                en.insert("tenant_of".into(), t.clone());
            }
            h.insert("enterprise".into(), Value::Object(en));
        }
        let mut period = if major { 90 } else { 30 };
        if (major && self.rng.chance(0.6)) || self.rng.chance(0.08) {
            let level = self.rng.pick(&vocab.listing_levels).clone();
            let listed = add_days(found, self.rng.range(0, 10));
            period = if level == "city" || level == "province" {
                60
            } else {
                30
            };
            h.insert(
                "listing".into(),
                json!({"level": level, "listed_on": date(listed)}),
            );
        }
        if !fixed || self.rng.chance(0.2) {
            let events = self.events(found, period, as_of);
            if !events.is_empty() || self.rng.chance(0.3) {
                h.insert("events".into(), Value::Array(events));
            }
        }
        (Value::Object(h), major)
    }

    /// The closed loop, walked through the `stages` table's allowed moves:
    /// forward mostly, back from verification to rectification sometimes,
    /// stalling at any stage, with approved extensions on the way.
    fn events(&mut self, found: NaiveDate, period: i64, as_of: NaiveDate) -> Vec<Value> {
        let mut out = Vec::new();
        let mut day = found;
        if self.rng.chance(0.85) {
            out.push(json!({"stage": "found", "on": date(found)}));
        }
        let mut stage = "found".to_owned();
        let late = self.rng.chance(0.2);
        while out.len() < 10 {
            let next = self.vocab.next_stages(&stage).to_vec();
            if next.is_empty() || self.rng.chance(0.1) {
                break;
            }
            if stage != "closed" && self.rng.chance(0.07) {
                day = add_days(day, self.rng.range(0, (period / 2).max(1)));
                let days = *self.rng.pick(&[7, 15, 30, 60]);
                let mut ev = json!({"stage": "extended", "on": date(day), "extension_days": days});
                if self.rng.chance(0.5) {
                    ev["note"] = "经批准延期".into();
                }
                out.push(ev);
            }
            let s = if next.len() > 1 && next.iter().any(|n| n == "closed") {
                // From verification: usually closed, sometimes sent back.
                if self.rng.chance(0.85) {
                    "closed".to_owned()
                } else {
                    next.iter().find(|n| *n != "closed").unwrap().clone()
                }
            } else {
                self.rng.pick(&next).clone()
            };
            let (lo, hi) = match s.as_str() {
                "assigned" => (0, 3),
                "rectified" => (1, if late { period + 40 } else { period - 3 }),
                "verified" => (1, 7),
                _ => (0, 5),
            };
            let step = self.rng.range(lo, hi.max(lo));
            let next_day = add_days(day, step);
            if next_day > as_of && self.rng.chance(0.9) {
                break;
            }
            day = next_day;
            out.push(json!({"stage": s, "on": date(day)}));
            stage = s;
        }
        out
    }

    fn accident(&mut self, as_of: NaiveDate) -> Value {
        let mut a = Map::new();
        if self.rng.chance(0.85) {
            let kind = self.rng.pick(&self.vocab.accident_kinds).clone();
            a.insert("kind".into(), kind.into());
        } else if self.rng.chance(0.3) {
            a.insert("kind".into(), "special_equipment".into());
        }
        // Mostly small accidents, with each criterion on and around its edges.
        for (key, edges) in [
            ("deaths", &self.vocab.deaths_edges),
            ("serious_injuries", &self.vocab.injuries_edges),
        ] {
            if self.rng.chance(0.8) {
                let v = if self.rng.chance(0.5) {
                    self.rng.range(0, 3) as f64
                } else {
                    near_edge(&mut self.rng, edges, true)
                };
                a.insert(key.into(), json!(v as u64));
            }
        }
        if self.rng.chance(0.8) {
            let v = if self.rng.chance(0.4) {
                (self.rng.unit() * 5e6 * 100.0).round() / 100.0
            } else {
                near_edge(&mut self.rng, &self.vocab.loss_edges, false)
            };
            let v = number(&mut self.rng, v);
            a.insert("direct_loss_cny".into(), v);
        }
        if self.rng.chance(0.75) {
            let d = add_days(as_of, -self.rng.range(0, 400));
            a.insert("occurred_on".into(), date(d));
        }
        Value::Object(a)
    }

    fn warning(&mut self) -> Value {
        let mut w = Map::new();
        if self.rng.chance(0.5) {
            w.insert("region".into(), self.rng.pick(&COUNTIES).0.into());
        }
        if self.rng.chance(0.4) {
            // Forecasts on and next to the typhoon signal rows' edges.
            let (within, sustained, gust) = *self.rng.pick(&self.vocab.typhoon);
            let within = (within + self.rng.range(-1, 1)).max(0);
            let mut t = json!({
                "within_hours": if self.rng.chance(0.2) { self.rng.range(0, 72) } else { within },
                "sustained_force": (sustained + self.rng.range(-3, 1)).max(0),
            });
            if self.rng.chance(0.5) {
                t["gust_force"] = json!((gust + self.rng.range(-2, 1)).max(0));
            }
            w.insert("typhoon".into(), t);
        }
        if self.rng.chance(0.6) {
            let mut signals = Map::new();
            for _ in 0..self.rng.range(1, 3) {
                let hazard = if self.rng.chance(0.5) && !self.vocab.flood_signals.is_empty() {
                    self.rng.pick(&self.vocab.flood_signals).clone()
                } else {
                    (*self.rng.pick(&WARNING_HAZARDS)).to_owned()
                };
                let colour = self.rng.pick(&self.vocab.colours).clone();
                signals.insert(hazard, colour.into());
            }
            w.insert("signals".into(), Value::Object(signals));
        }
        if self.rng.chance(0.3) {
            let v = (self.rng.unit() * 80.0 * 10.0).round() / 10.0;
            let v = number(&mut self.rng, v);
            w.insert("rainfall_1h_mm".into(), v);
        }
        if self.rng.chance(0.4) {
            let v = near_edge(&mut self.rng, &self.vocab.rainfall_edges, false);
            let v = number(&mut self.rng, v);
            w.insert("rainfall_24h_mm".into(), v);
        }
        if self.rng.chance(0.35) {
            // A gauge: warning level, guarantee above it, and a water level
            // on or around warning + each margin and the guarantee level.
            let warning = (self.rng.range(300, 3000) as f64) / 100.0;
            let guarantee = warning + (self.rng.range(30, 250) as f64) / 100.0;
            let target = if self.rng.chance(0.25) {
                guarantee
            } else {
                warning + *self.rng.pick(&self.vocab.water_margins)
            };
            let level = target + *self.rng.pick(&[-0.3, -0.01, 0.0, 0.0, 0.01, 0.2]);
            w.insert("water_level_m".into(), json!(level));
            match self.rng.below(6) {
                0 => {
                    w.insert("warning_level_m".into(), json!(warning));
                }
                1 => {
                    w.insert("guarantee_level_m".into(), json!(guarantee));
                }
                _ => {
                    w.insert("warning_level_m".into(), json!(warning));
                    w.insert("guarantee_level_m".into(), json!(guarantee));
                }
            }
        } else if self.rng.chance(0.05) {
            // Gauge levels without a reading: they are only read with one.
            w.insert("warning_level_m".into(), json!(4.5));
        }
        Value::Object(w)
    }

    fn risk(&mut self, open_major: bool) -> Value {
        let mut r = Map::new();
        let n = *self
            .rng
            .weighted(&[(0usize, 1), (1, 6), (2, 3), (3, 1), (5, 1)]);
        let points: Vec<Value> = (0..n).map(|k| self.point(k)).collect();
        if !points.is_empty() || self.rng.chance(0.3) {
            r.insert("points".into(), Value::Array(points));
        }
        if self.rng.chance(0.75) {
            let e = self.rng.below(self.enterprises.len());
            let ent = &self.enterprises[e];
            let mut u = Map::new();
            if self.rng.chance(0.7) {
                u.insert("name".into(), ent.name.clone().into());
            }
            let group = if self.rng.chance(0.8) {
                ent.group
            } else {
                self.rng.below(self.vocab.sector_groups.len())
            };
            u.insert(
                "sector_group".into(),
                self.vocab.sector_groups[group].clone().into(),
            );
            if let Some(g) = ent.grade {
                u.insert("standardisation_grade".into(), g.into());
            }
            let open = if open_major {
                1
            } else {
                *self.rng.weighted(&[(0, 12), (1, 2), (2, 1)])
            };
            if open > 0 || self.rng.chance(0.5) {
                u.insert("open_major_hazards".into(), json!(open));
            }
            let overdue = *self
                .rng
                .weighted(&[(0, 70), (1, 12), (2, 6), (3, 6), (4, 3)]);
            if overdue > 0 || self.rng.chance(0.5) {
                u.insert("overdue_hazards".into(), json!(overdue));
            }
            let recent = *self.rng.weighted(&[(0, 90), (1, 8), (2, 2)]);
            if recent > 0 || self.rng.chance(0.5) {
                u.insert("recent_accidents".into(), json!(recent));
            }
            r.insert("unit".into(), Value::Object(u));
        }
        if self.rng.chance(0.3) {
            let k = self.rng.range(0, 6) as usize;
            let colours: Vec<Value> = (0..k)
                .map(|_| {
                    // Skewed to the low colours, so "highest wins" matters.
                    let c = &self.vocab.colours;
                    let idx = self.rng.below(c.len()).max(self.rng.below(c.len()));
                    c[idx].clone().into()
                })
                .collect();
            let mut region = json!({"unit_colours": colours});
            if self.rng.chance(0.6) {
                region["name"] = self.townships[self.rng.below(self.townships.len())]
                    .name
                    .into();
            }
            r.insert("region".into(), region);
        }
        Value::Object(r)
    }

    fn point(&mut self, k: usize) -> Value {
        let mut p = Map::new();
        if self.rng.chance(0.6) {
            p.insert("id".into(), format!("P{k}").into());
        }
        if self.rng.chance(0.7) {
            p.insert("method".into(), "LEC".into());
            for (slot, key) in ["l", "e", "c"].iter().enumerate() {
                let v = *self.rng.pick(&self.vocab.lec[slot]);
                let v = number(&mut self.rng, v);
                p.insert((*key).into(), v);
            }
            if self.rng.chance(0.05) {
                p.insert("s".into(), json!(3));
            }
        } else {
            p.insert("method".into(), "LS".into());
            let l = self.rng.range(1, 5) as f64;
            let s = self.rng.range(1, 5) as f64;
            let l = number(&mut self.rng, l);
            let s = number(&mut self.rng, s);
            p.insert("l".into(), l);
            p.insert("s".into(), s);
            if self.rng.chance(0.05) {
                p.insert("e".into(), json!(6));
            }
        }
        Value::Object(p)
    }

    fn township(&mut self) -> Value {
        let [ind, com, rent] = self.vocab.staffing_ratios;
        let t = &self.townships[self.rng.below(self.townships.len())];
        let mut m = Map::new();
        if self.rng.chance(0.7) {
            m.insert("name".into(), t.name.into());
        }
        for (key, per) in [
            ("industrial_enterprises", ind),
            ("commercial_premises", com),
            ("rented_dwellings", rent),
        ] {
            if self.rng.chance(0.9) {
                // On and next to multiples of the ratio, where ceil() steps.
                let v = per * self.rng.range(0, 6) + self.rng.range(-1, 1);
                m.insert(key.into(), json!(v.max(0)));
            }
        }
        if self.rng.chance(0.95) {
            m.insert("safety_staff".into(), json!(self.rng.range(0, 14)));
        }
        if self.rng.chance(0.95) {
            let c = self.vocab.min_certified + self.rng.range(-3, 2);
            m.insert("certified_officers".into(), json!(c.max(0)));
        }
        Value::Object(m)
    }

    /// A national checklist, most items ticked; dated evidence on both
    /// sides of its `fresh_days`, or none.
    fn checklist(&mut self, as_of: NaiveDate) -> Value {
        let lists = &self.vocab.checklists;
        let ChecklistVocab { id, kind, items } = &lists[self.rng.below(lists.len())];
        let t = &self.townships[self.rng.below(self.townships.len())];
        let mut given = Vec::new();
        let mut evidence = Map::new();
        for (item, fresh) in items {
            if !self.rng.chance(0.9) {
                continue;
            }
            match fresh {
                Some(days) if self.rng.chance(0.85) => {
                    let age = days
                        + self.rng.range(-2, 2)
                        + self.rng.range(-30, 0) * i64::from(self.rng.chance(0.5));
                    evidence.insert(item.clone(), date(add_days(as_of, -age.max(0))));
                    if self.rng.chance(0.5) {
                        given.push(Value::from(item.clone()));
                    }
                }
                _ => given.push(Value::from(item.clone())),
            }
        }
        json!({
            "id": id,
            "subject": { "name": t.name, "kind": kind, "township": t.name },
            "items": given,
            "evidence": evidence,
        })
    }

    /// A county's year with each figure on or next to its target's limit.
    fn targets(&mut self, as_of: NaiveDate) -> Value {
        use chrono::Datelike;
        let r = &mut self.rng;
        let (a, b) = (r.range(20, 60) as f64, r.range(20, 60) as f64);
        let (da, db) = (r.range(5, 15) as f64, r.range(5, 15) as f64);
        let gdp = [
            r.range(500, 800) as f64,
            r.range(500, 800) as f64,
            r.range(500, 800) as f64,
        ];
        let accidents = ((a + b) / 2.0 * 0.8).round() + r.range(-1, 1) as f64;
        let deaths = ((da + db) / 2.0 * 0.8).round() + r.range(-1, 1) as f64;
        let loss = gdp[0] * [0.009, 0.01, 0.011][r.below(3)];
        let fires = r.range(0, 3);
        let townships = r.range(8, 20);
        json!({
            "region": "某县",
            "year": as_of.year() - r.range(0, 1) as i32,
            "this_year": {
                "accidents": accidents.max(0.0), "deaths": deaths.max(0.0),
                "gdp_100m_cny": gdp[0], "disaster_loss_100m_cny": loss,
                "fines_cny": 1_000_000, "non_accident_fines_cny": 850_000 + 10_000 * r.range(-1, 1),
                "inspections": 1000, "inspections_with_penalty": 200 + r.range(-1, 1),
                "forest_fires": fires, "forest_fires_found_30min": (fires - r.range(0, 1)).max(0),
                "townships": townships, "township_stations_built": townships - r.range(0, 1),
            },
            "last_year": { "accidents": a, "deaths": da, "gdp_100m_cny": gdp[1] },
            "year_before_last": { "accidents": b, "deaths": db, "gdp_100m_cny": gdp[2] },
        })
    }

    /// One realistic data-entry or rule-level mistake. Most are for the rules
    /// to find (the records still parse); a few are structural, for the parser.
    fn spoil(&mut self, rec: &mut Value, as_of: NaiveDate) {
        let kind = self.rng.below(18);
        let ensure_hazard = |g: &mut Self, rec: &mut Value| {
            if rec.get("hazard").is_none() {
                rec["hazard"] = g.hazard(0, as_of).0;
            }
        };
        let ensure_risk = |g: &mut Self, rec: &mut Value| {
            if rec.get("risk").is_none() {
                rec["risk"] = g.risk(false);
            }
        };
        let ensure_point = |g: &mut Self, rec: &mut Value| -> usize {
            ensure_risk(g, rec);
            let points = rec["risk"]
                .as_object_mut()
                .unwrap()
                .entry("points")
                .or_insert_with(|| json!([]));
            if points.as_array().unwrap().is_empty() {
                points.as_array_mut().unwrap().push(g.point(0));
            }
            g.rng.below(points.as_array().unwrap().len())
        };
        match kind {
            0 => {
                ensure_hazard(self, rec);
                let s = rec["hazard"]["sector"].as_str().unwrap().to_owned();
                let bad = match self.rng.below(3) {
                    0 if s.contains('_') => s.replace('_', "-"),
                    1 => "mining".to_owned(),
                    _ => format!("{s}s"),
                };
                rec["hazard"]["sector"] = bad.into();
            }
            1 => {
                ensure_hazard(self, rec);
                let bad = *self
                    .rng
                    .pick(&["GM-99-1", "GM-3-0", "HG-21", "XX-1", "gm-3-1", ""]);
                let items = rec["hazard"]
                    .as_object_mut()
                    .unwrap()
                    .entry("items")
                    .or_insert_with(|| json!([]));
                items.as_array_mut().unwrap().push(bad.into());
            }
            2 | 3 => {
                // A stage out of the table's order, or an unknown one.
                ensure_hazard(self, rec);
                let found = rec["hazard"]["found_on"].as_str().unwrap().to_owned();
                let stage = *self
                    .rng
                    .pick(&["closed", "verified", "reviewed", "found", "Assigned"]);
                let mut events = vec![json!({"stage": "found", "on": found})];
                if self.rng.chance(0.5) {
                    events.push(json!({"stage": "assigned", "on": found}));
                }
                events.push(json!({"stage": stage, "on": found}));
                rec["hazard"]["events"] = Value::Array(events);
            }
            4 => {
                // Extension after closing, or without its days.
                ensure_hazard(self, rec);
                let on = rec["hazard"]["found_on"].as_str().unwrap().to_owned();
                let events = if self.rng.chance(0.5) {
                    json!([{"stage": "found", "on": on}, {"stage": "rectified", "on": on},
                           {"stage": "verified", "on": on}, {"stage": "closed", "on": on},
                           {"stage": "extended", "on": on, "extension_days": 10}])
                } else {
                    json!([{"stage": "found", "on": on}, {"stage": "extended", "on": on}])
                };
                rec["hazard"]["events"] = events;
            }
            5 => {
                ensure_hazard(self, rec);
                let bad = *self.rng.pick(&["village", "County", "national", ""]);
                let on = rec["hazard"]["found_on"].clone();
                rec["hazard"]["listing"] = json!({"level": bad, "listed_on": on});
            }
            6 => {
                if rec.get("warning").is_none() {
                    rec["warning"] = self.warning();
                }
                let bad = *self.rng.pick(&["purple", "Red", "green", ""]);
                let hazard = *self.rng.pick(&WARNING_HAZARDS);
                let w = rec["warning"].as_object_mut().unwrap();
                let signals = w.entry("signals").or_insert_with(|| json!({}));
                signals[hazard] = bad.into();
            }
            7 => {
                ensure_risk(self, rec);
                let bad = *self.rng.pick(&["green", "RED", "amber"]);
                rec["risk"]["region"] = json!({"unit_colours": ["blue", bad, "red"]});
            }
            8 => {
                let i = ensure_point(self, rec);
                let (key, bad) = *self.rng.pick(&[
                    ("l", 7.0),
                    ("l", 0.3),
                    ("e", 4.0),
                    ("c", 50.0),
                    ("c", 0.0),
                    ("e", 10.5),
                ]);
                let p = &mut rec["risk"]["points"][i];
                *p = json!({"method": "LEC", "l": 3, "e": 6, "c": 15});
                p[key] = json!(bad);
            }
            9 => {
                let i = ensure_point(self, rec);
                let missing = *self.rng.pick(&["e", "c"]);
                let p = &mut rec["risk"]["points"][i];
                *p = json!({"method": "LEC", "l": 3, "e": 6, "c": 15});
                p.as_object_mut().unwrap().remove(missing);
            }
            10 => {
                let i = ensure_point(self, rec);
                let p = &mut rec["risk"]["points"][i];
                *p = match self.rng.below(5) {
                    0 => json!({"method": "LS", "l": 0, "s": 3}),
                    1 => json!({"method": "LS", "l": 6, "s": 3}),
                    2 => json!({"method": "LS", "l": 2.5, "s": 3}),
                    3 => json!({"method": "LS", "l": 2, "s": 5.5}),
                    _ => json!({"method": "LS", "l": 2}),
                };
            }
            11 => {
                let i = ensure_point(self, rec);
                let bad = *self.rng.pick(&["lec", "LSR", "", "matrix"]);
                rec["risk"]["points"][i]["method"] = bad.into();
            }
            12 => {
                ensure_risk(self, rec);
                let bad = *self.rng.pick(&["mining", "Other", "hazchem"]);
                rec["risk"]["unit"] = json!({"sector_group": bad, "overdue_hazards": 1});
            }
            13 => {
                ensure_risk(self, rec);
                let g = *self.rng.pick(&[0, 4, 9, 255]);
                rec["risk"]["unit"] = json!({"sector_group": "other", "standardisation_grade": g});
            }
            14 => {
                // Water level without the gauge's levels, or levels the wrong way round.
                let w = if self.rng.chance(0.5) {
                    json!({"water_level_m": 5.2})
                } else {
                    json!({"water_level_m": 5.2, "warning_level_m": 5.0, "guarantee_level_m": 4.8})
                };
                rec["warning"] = w;
            }
            15 => {
                // Structural mistakes the parser catches: a date in the wrong
                // form, events going back in time, a negative amount.
                match self.rng.below(4) {
                    0 => {
                        ensure_hazard(self, rec);
                        let f = rec["hazard"]["found_on"]
                            .as_str()
                            .unwrap()
                            .replace('-', "/");
                        rec["hazard"]["found_on"] = f.into();
                    }
                    1 => {
                        ensure_hazard(self, rec);
                        let f: NaiveDate =
                            rec["hazard"]["found_on"].as_str().unwrap().parse().unwrap();
                        rec["hazard"]["events"] = json!([
                            {"stage": "found", "on": date(f)},
                            {"stage": "assigned", "on": date(add_days(f, -3))}]);
                    }
                    2 => rec["accident"] = json!({"deaths": 1, "direct_loss_cny": -1.5}),
                    _ => rec["warning"] = json!({"rainfall_24h_mm": -0.1}),
                }
            }
            16 => {
                // Values the schema allows but no register holds: the largest
                // counts and extensions, amounts the rules cannot turn into an
                // integer (a `ruleset` error with its line), minus zero.
                match self.rng.below(5) {
                    0 => {
                        ensure_hazard(self, rec);
                        let on = rec["hazard"]["found_on"].clone();
                        rec["hazard"]["events"] = json!([
                            {"stage": "found", "on": on},
                            {"stage": "extended", "on": on, "extension_days": u32::MAX}]);
                    }
                    1 => {
                        rec["township"] =
                            json!({"industrial_enterprises": u32::MAX, "safety_staff": u32::MAX})
                    }
                    2 => rec["accident"] = json!({"deaths": u32::MAX, "direct_loss_cny": 1e300}),
                    3 => {
                        rec["warning"] =
                            json!({"rainfall_24h_mm": *self.rng.pick(&[1e19, 1e300, 9.3e18])})
                    }
                    _ => {
                        rec["warning"] = json!({"water_level_m": -0.0, "warning_level_m": -0.0, "guarantee_level_m": 0.0})
                    }
                }
            }
            _ => {
                // A good item then an unknown one: the error must name index 1.
                ensure_hazard(self, rec);
                let found: NaiveDate = rec["hazard"]["found_on"].as_str().unwrap().parse().unwrap();
                let in_force: Vec<&Item> = self
                    .vocab
                    .items
                    .iter()
                    .filter(|it| it.in_force(found))
                    .collect();
                let first = self.rng.pick(&in_force).id.clone();
                rec["hazard"]["items"] = json!([first, "GM-3-99"]);
            }
        }
    }
}
