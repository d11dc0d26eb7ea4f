"""A plausible hazard register for trying and benchmarking hazard_rules.

Makes N hazards as township inspectors in Jinhua (金华) would record them:
enterprises by county and township with their sector mix (hardware in
Yongkang, small commodities and textiles in Yiwu, ...), named principals and
workshop heads (AB posts, some absent), catalogue items for the major ones,
listing for supervision, the closed-loop history up to the as-of date, and the
LEC or LS score of the risk point where the hazard was found plus the unit's
risk signals. Deterministic for a given seed.

    python examples/generate_register.py -n 50000 -o register.jsonl   # JSON Lines (the CLI reads it too)
    python examples/generate_register.py -n 50000 -o register.csv      # dotted columns (needs pandas)

From Python: ``generate(n, seed=...)`` gives nested dicts, ``to_frame(records)``
a pandas DataFrame with dotted columns (``hazard.location.township``).
``generate_checklists(county)`` gives one village "七个一" checklist record per
village of a county's townships, and ``county_year(county, year)`` the county's
figures for its yearly targets, for the notebook's county roll-up.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from typing import Any, Dict, List, Optional, Tuple

AS_OF = datetime.date(2024, 6, 30)
"""The day the register is read; nothing in it happens later."""

# County → townships and streets (街道/镇/乡) of Jinhua.
TOWNSHIPS: Dict[str, List[str]] = {
    "婺城区": [
        "城东街道",
        "城中街道",
        "城西街道",
        "城北街道",
        "江南街道",
        "西关街道",
        "三江街道",
        "秋滨街道",
        "新狮街道",
        "罗店镇",
        "雅畈镇",
        "汤溪镇",
        "琅琊镇",
        "白龙桥镇",
        "蒋堂镇",
    ],
    "金东区": ["东孝街道", "多湖街道", "孝顺镇", "傅村镇", "曹宅镇", "澧浦镇", "岭下镇", "江东镇", "塘雅镇", "赤松镇"],
    "兰溪市": [
        "兰江街道",
        "云山街道",
        "上华街道",
        "永昌街道",
        "赤溪街道",
        "女埠街道",
        "游埠镇",
        "诸葛镇",
        "马涧镇",
        "香溪镇",
    ],
    "义乌市": [
        "稠城街道",
        "北苑街道",
        "稠江街道",
        "江东街道",
        "后宅街道",
        "城西街道",
        "廿三里街道",
        "福田街道",
        "佛堂镇",
        "赤岸镇",
        "义亭镇",
        "上溪镇",
        "大陈镇",
        "苏溪镇",
    ],
    "东阳市": [
        "吴宁街道",
        "白云街道",
        "江北街道",
        "城东街道",
        "六石街道",
        "歌山镇",
        "横店镇",
        "南马镇",
        "巍山镇",
        "湖溪镇",
    ],
    "永康市": ["东城街道", "西城街道", "江南街道", "石柱镇", "古山镇", "芝英镇", "象珠镇", "龙山镇", "西溪镇"],
    "武义县": ["白洋街道", "壶山街道", "熟溪街道", "桐琴镇", "泉溪镇", "履坦镇"],
    "浦江县": ["浦阳街道", "仙华街道", "浦南街道", "黄宅镇", "郑宅镇", "岩头镇"],
    "磐安县": ["安文街道", "新渥街道", "尖山镇", "仁川镇", "冷水镇"],
}

COUNTY_EN = {
    "婺城区": "Wucheng",
    "金东区": "Jindong",
    "兰溪市": "Lanxi",
    "义乌市": "Yiwu",
    "东阳市": "Dongyang",
    "永康市": "Yongkang",
    "武义县": "Wuyi",
    "浦江县": "Pujiang",
    "磐安县": "Pan'an",
}
"""County names in pinyin, for chart labels (the default matplotlib font has no Chinese)."""

# Sector weights by county: the local industry mix.
SECTOR_MIX: Dict[str, Dict[str, int]] = {
    "default": {
        "machinery": 30,
        "light_industry": 20,
        "building_materials": 10,
        "textiles": 10,
        "metallurgy": 6,
        "nonferrous": 5,
        "commerce": 12,
        "chemicals": 4,
        "tobacco": 1,
        "fire": 2,
    },
    "永康市": {
        "machinery": 45,
        "metallurgy": 15,
        "nonferrous": 10,
        "light_industry": 10,
        "commerce": 10,
        "building_materials": 5,
        "chemicals": 3,
        "fire": 2,
    },
    "义乌市": {
        "light_industry": 30,
        "textiles": 20,
        "commerce": 25,
        "machinery": 15,
        "chemicals": 3,
        "building_materials": 5,
        "fire": 2,
    },
    "东阳市": {
        "light_industry": 30,
        "machinery": 20,
        "building_materials": 15,
        "textiles": 10,
        "commerce": 15,
        "chemicals": 5,
        "fire": 5,
    },
}

# Catalogue items an inspector may tick, by sector (工贸: Art. 3 for all,
# the sector's own article, dust/ammonia/confined-space specials).
SECTOR_ARTICLE = {
    "metallurgy": 4,
    "nonferrous": 5,
    "building_materials": 6,
    "machinery": 7,
    "light_industry": 8,
    "textiles": 9,
    "tobacco": 10,
}
ARTICLE_ITEMS = {3: 3, 4: 8, 5: 13, 6: 8, 7: 7, 8: 7, 9: 2, 10: 2, 11: 10, 12: 2, 13: 2}

# Before 2023-05-15 the 2017 工贸 standard applied (catalogue_gongmao_2017.toml), whose
# ids are GM17-<section>-<item>. Its sections by 2023 article, and their sizes; the
# 2017 text has no article for every sector (Art. 3), so those items become the
# first item of the enterprise's own sector section.
ORDER_10_FROM = datetime.date(2023, 5, 15)
SECTION_2017 = {11: 1, 12: 2, 13: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10}
SECTION_2017_ITEMS = {1: 10, 2: 2, 3: 2, 4: 11, 5: 10, 6: 6, 7: 7, 8: 6, 9: 2, 10: 2, 11: 1}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红海燕婷斌宇浩凯鹏飞琳晨辉玲丹萍鑫"
FIRM_WORDS = [
    "华",
    "鑫",
    "永",
    "恒",
    "瑞",
    "金",
    "宏",
    "盛",
    "通",
    "达",
    "利",
    "新",
    "兴",
    "隆",
    "泰",
    "安",
    "东",
    "丰",
    "源",
    "嘉",
]
FIRM_KINDS = {
    "machinery": ["五金工具", "机械制造", "电动工具", "汽摩配件", "门业"],
    "metallurgy": ["铸造", "钢铁制品", "精密铸件"],
    "nonferrous": ["铝业", "铜材", "有色金属"],
    "light_industry": ["日用品", "工艺品", "木制品", "塑料制品", "家具", "饰品"],
    "textiles": ["针织", "纺织", "服饰"],
    "building_materials": ["新型建材", "水泥制品", "陶瓷"],
    "commerce": ["商贸", "冷链物流", "仓储"],
    "chemicals": ["化工", "涂料", "新材料"],
    "tobacco": ["烟草"],
    "fire": ["商业综合体", "酒店"],
}
HAZARD_TEXT = {
    "machinery": ["冲床光电保护装置失效", "砂轮机防护罩缺失", "行车限位器失灵", "车间安全通道堆放物料"],
    "metallurgy": ["熔炼炉冷却水系统无断水报警", "铁水吊运区设置休息室", "煤气区域未设置报警仪"],
    "nonferrous": ["熔铝炉炉底未设置防漏装置", "铝灰存放区域受潮", "除尘系统未设置泄爆装置"],
    "light_industry": ["抛光车间粉尘清扫不及时", "仓库电气线路私拉乱接", "喷漆房通风不良"],
    "textiles": ["织布车间消防通道堵塞", "配电箱门未关闭", "棉尘积聚"],
    "building_materials": ["窑炉测温装置故障", "料仓进入作业未审批", "皮带机防护缺失"],
    "commerce": ["冷库氨制冷机房未设置泄漏报警", "仓库货物堆垛过高", "安全出口上锁"],
    "chemicals": ["储罐区可燃气体报警器未检定", "未执行动火作业审批", "重点监管工艺未实现自动化控制"],
    "tobacco": ["烘丝机除尘系统未定期清理", "仓库防火分隔损坏"],
    "fire": ["疏散指示标志损坏", "消防控制室无人值守", "自动喷水灭火系统关闭"],
}
LEC = {"L": [10, 6, 3, 1, 0.5], "E": [10, 6, 3, 2, 1], "C": [100, 40, 15, 7, 3, 1]}
LEC_WEIGHTS = {"L": [1, 3, 10, 12, 4], "E": [2, 12, 8, 3, 2], "C": [1, 2, 6, 12, 10, 6]}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _post(rng: random.Random, absent_rate: float = 0.06) -> Dict[str, Any]:
    post: Dict[str, Any] = {"name": _name(rng)}
    if rng.random() < 0.7:
        post["backup"] = _name(rng)
    if rng.random() < absent_rate:
        post["absent"] = True
    return post


def _weighted(rng: random.Random, weights: Dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class _World:
    """Townships with their villages, grids and staff; enterprises with their people."""

    def __init__(self, rng: random.Random, enterprises_per_township: int = 25) -> None:
        self.townships: List[Dict[str, Any]] = []
        self.enterprises: List[Dict[str, Any]] = []
        for county, names in TOWNSHIPS.items():
            mix = SECTOR_MIX.get(county, SECTOR_MIX["default"])
            for township in names:
                t = {
                    "county": county,
                    "township": township,
                    "lead": _post(rng, 0.05),
                    "villages": [f"{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_WORDS)}村" for _ in range(6)],
                }
                self.townships.append(t)
                for _ in range(max(5, int(rng.gauss(enterprises_per_township, 6)))):
                    sector = _weighted(rng, mix)
                    village = rng.choice(t["villages"])
                    grid_no = rng.randint(1, 8)
                    e: Dict[str, Any] = {
                        "name": f"{county[:2]}{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_WORDS)}"
                        f"{rng.choice(FIRM_KINDS[sector])}有限公司",
                        "sector": sector,
                        "township": t,
                        "village": village,
                        "grid": f"{village}第{grid_no}网格",
                        "grid_member": {"name": _name(rng)},
                        "principal": _post(rng),
                        "department_head": _post(rng),
                        "grade": rng.choices([1, 2, 3, None], weights=[2, 10, 45, 43])[0],
                        "group": "hazchem_metal" if sector in ("chemicals", "metallurgy") else "other",
                        "tenant_of": None,
                    }
                    if rng.random() < 0.12:
                        kind = rng.choice(["park", "landlord"])
                        e["tenant_of"] = {
                            "name": f"{township}{'小微企业园' if kind == 'park' else '标准厂房出租方'}",
                            "kind": kind,
                            "contact": {"name": _name(rng)},
                        }
                    self.enterprises.append(e)


def _items(rng: random.Random, sector: str) -> List[str]:
    """Catalogue items ticked for a hazard: most hazards none; ~12% one or two."""
    if rng.random() > 0.12:
        return []
    if sector == "chemicals":
        return [f"HG-{rng.randint(1, 20)}"]
    if sector not in SECTOR_ARTICLE and sector != "commerce":
        return []
    articles = [3, 11, 12, 13] + ([SECTOR_ARTICLE[sector]] * 3 if sector in SECTOR_ARTICLE else [])
    out = []
    for _ in range(rng.choice((1, 1, 1, 2))):
        a = rng.choice(articles)
        item = f"GM-{a}-{rng.randint(1, ARTICLE_ITEMS[a])}"
        if item not in out:
            out.append(item)
    return out


def _items_2017(items: List[str], sector: str) -> List[str]:
    """The same ticks in the 2017 standard's ids, for a hazard found before Order No. 10."""
    out: List[str] = []
    for item in items:
        if not item.startswith("GM-"):
            out.append(item)
            continue
        article, number = (int(x) for x in item[3:].split("-"))
        if article == 3:
            section = 11 if sector == "commerce" else SECTION_2017[SECTOR_ARTICLE[sector]]
            number = 1
        else:
            section = SECTION_2017[article]
        new = f"GM17-{section}-{min(number, SECTION_2017_ITEMS[section])}"
        if new not in out:
            out.append(new)
    return out


def _events(rng: random.Random, found: datetime.date, period: int, as_of: datetime.date) -> List[Dict[str, Any]]:
    """The closed loop so far: found → assigned → rectified → verified → closed,
    never after as_of; some hazards stall at a stage (and go overdue), some
    are rectified late, a few get an extension."""
    events: List[Dict[str, Any]] = [{"stage": "found", "on": found.isoformat()}]
    day = found
    late = rng.random() < 0.15
    for stage, (lo, hi) in [
        ("assigned", (0, 3)),
        ("rectified", (3, period + (40 if late else -3))),
        ("verified", (1, 7)),
        ("closed", (0, 5)),
    ]:
        if rng.random() < 0.06:
            break  # stalled
        if stage == "rectified" and rng.random() < 0.05:
            ext = rng.choice([15, 30])
            ext_day = day + datetime.timedelta(days=rng.randint(1, max(1, period // 2)))
            if ext_day > as_of:
                break
            events.append({"stage": "extended", "on": ext_day.isoformat(), "extension_days": ext, "note": "经批准延期"})
            day = ext_day
        day = day + datetime.timedelta(days=rng.randint(lo, max(lo, hi)))
        if day > as_of:
            break
        events.append({"stage": stage, "on": day.isoformat()})
    return events


def generate(n: int, seed: int = 2024, as_of: datetime.date = AS_OF, bad_fraction: float = 0.0) -> List[Dict[str, Any]]:
    """``n`` register records as nested dicts (the input JSON shape).

    ``bad_fraction`` of them get a realistic data-entry mistake (a sector code
    typo, a date written 2024/03/05, an LEC factor off the table) so the
    error handling can be seen."""
    rng = random.Random(seed)
    world = _World(rng)
    records = []
    start = as_of - datetime.timedelta(days=540)
    for i in range(n):
        e = rng.choice(world.enterprises)
        t = e["township"]
        sector = e["sector"]
        found = start + datetime.timedelta(days=int(rng.triangular(0, 540, 480)))
        items = _items(rng, sector)
        if found < ORDER_10_FROM:
            items = _items_2017(items, sector)
        facts: Dict[str, bool] = {}
        r = rng.random()
        if r < 0.02:
            facts["needs_suspension"] = True
        elif r < 0.03:
            facts["cannot_self_remove"] = True
        elif not items and r < 0.30:
            facts["fixed_on_spot"] = True
        major = bool(items) or "needs_suspension" in facts or "cannot_self_remove" in facts
        hazard: Dict[str, Any] = {
            "id": f"JH{found:%Y%m}-{i:07d}",
            "description": rng.choice(HAZARD_TEXT[sector]),
            "sector": sector,
            "items": items,
            "facts": facts,
            "found_on": found.isoformat(),
            "location": {
                "county": t["county"],
                "township": t["township"],
                "village": e["village"],
                "grid": e["grid"],
                "township_lead": t["lead"],
                "grid_member": e["grid_member"],
            },
            "enterprise": {
                "name": e["name"],
                "principal": e["principal"],
                "department_head": e["department_head"],
            },
        }
        if e["tenant_of"]:
            hazard["enterprise"]["tenant_of"] = e["tenant_of"]
        period = 30
        if major and rng.random() < 0.7:
            level = rng.choices(["county", "city", "township"], weights=[6, 3, 1])[0]
            listed = found + datetime.timedelta(days=rng.randint(0, 10))
            if listed <= as_of:
                hazard["listing"] = {"level": level, "listed_on": listed.isoformat()}
                period = {"county": 30, "city": 60, "township": 30}[level]
        elif major:
            period = 90
        hazard["events"] = [] if facts.get("fixed_on_spot") else _events(rng, found, period, as_of)
        if rng.random() < 0.8:
            p: Dict[str, Any] = {"id": f"{hazard['id']}-P1"}
            if rng.random() < 0.75:
                p["method"] = "LEC"
                for k in "LEC":
                    p[k.lower()] = rng.choices(LEC[k], weights=LEC_WEIGHTS[k])[0]
            else:
                p.update(method="LS", l=rng.randint(1, 5), s=rng.choices(range(1, 6), weights=[4, 6, 5, 2, 1])[0])
            unit: Dict[str, Any] = {
                "name": e["name"],
                "sector_group": e["group"],
                "open_major_hazards": int(major and not facts.get("fixed_on_spot")),
                "overdue_hazards": rng.choices([0, 1, 2, 3], weights=[80, 12, 5, 3])[0],
                "recent_accidents": rng.choices([0, 1], weights=[97, 3])[0],
            }
            if e["grade"] is not None:
                unit["standardisation_grade"] = e["grade"]
            record_risk = {"points": [p], "unit": unit}
        else:
            record_risk = None
        record: Dict[str, Any] = {"id": hazard["id"], "hazard": hazard}
        if record_risk:
            record["risk"] = record_risk
        if bad_fraction and rng.random() < bad_fraction:
            _spoil(rng, record)
        records.append(record)
    return records


def _spoil(rng: random.Random, record: Dict[str, Any]) -> None:
    h = record["hazard"]
    kind = rng.choice(["sector", "date", "lec"] if "risk" in record else ["sector", "date"])
    if kind == "sector":
        h["sector"] = h["sector"].replace("_", "-") if "_" in h["sector"] else h["sector"] + "s"
    elif kind == "date":
        h["found_on"] = h["found_on"].replace("-", "/")
    else:
        record["risk"]["points"][0].update(method="LEC", l=7, e=6, c=15)


def to_frame(records: List[Dict[str, Any]]) -> Any:
    """The records as a pandas DataFrame with dotted columns (lists stay in cells)."""
    import pandas as pd

    return pd.json_normalize(records, sep=".")


def _main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50_000, help="records (default 50000)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--bad", type=float, default=0.0, help="fraction of records with a data-entry mistake")
    ap.add_argument("-o", "--output", default="-", help="file: .jsonl, .json or .csv (default: JSON Lines to stdout)")
    args = ap.parse_args(argv)
    records = generate(args.n, seed=args.seed, bad_fraction=args.bad)
    if args.output.endswith(".csv"):
        frame = to_frame(records)
        for col in frame.columns:  # lists as JSON text, as the CLI reads CSV cells
            if frame[col].map(lambda v: isinstance(v, list)).any():
                frame[col] = frame[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v)
        frame.to_csv(args.output, index=False)
        return 0
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        if args.output.endswith(".json"):
            json.dump(records, out, ensure_ascii=False)
        else:
            for r in records:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


VILLAGE_ITEMS = [
    "grid_list",
    "evacuation_map",
    "monitoring_warning",
    "shelter",
    "emergency_supplies",
    "warning_signs",
    "drill",
]
"""The village "七个一" item ids of the national `checklist_village_7` table."""


def generate_checklists(county: str, seed: int = 2024, as_of: datetime.date = AS_OF) -> List[Dict[str, Any]]:
    """One "七个一" checklist record per village of the county's townships.

    Each township has its own progress (the share of items its villages have);
    the yearly drill's date is sometimes more than a year old, or missing.
    """
    rng = random.Random(f"{seed}-{county}")
    records = []
    for township in TOWNSHIPS[county]:
        progress = rng.uniform(0.55, 1.0)
        for v in range(rng.randint(4, 12)):
            village = f"{rng.choice(FIRM_WORDS)[:1]}{rng.choice(GIVEN)}村"
            items = [i for i in VILLAGE_ITEMS if i != "drill" and rng.random() < progress**0.5]
            checklist: Dict[str, Any] = {
                "id": "village_7",
                "subject": {"name": village, "kind": "village", "county": county, "township": township},
                "items": items,
            }
            if rng.random() < progress:
                drill = as_of - datetime.timedelta(days=rng.randint(10, 480))
                checklist["evidence"] = {"drill": drill.isoformat()}
            records.append({"id": f"{township}-{v + 1:02d}", "checklist": checklist})
    return records


def county_year(county: str, year: int, seed: int = 2024) -> Dict[str, Any]:
    """A county's figures for ``year`` and the two years before, for its targets."""
    rng = random.Random(f"{seed}-{county}-{year}")
    gdp = [rng.uniform(300, 1900)]
    for _ in range(2):
        gdp.append(gdp[-1] / rng.uniform(1.03, 1.08))
    accidents = [rng.randint(15, 60) for _ in range(3)]
    deaths = [max(1, round(a * rng.uniform(0.15, 0.35))) for a in accidents]
    fines = rng.randint(1_000_000, 6_000_000)
    inspections = rng.randint(800, 3000)
    fires = rng.randint(0, 4)
    townships = len(TOWNSHIPS[county])

    def year_figures(i: int) -> Dict[str, float]:
        return {"accidents": accidents[i], "deaths": deaths[i], "gdp_100m_cny": round(gdp[i], 1)}

    this_year: Dict[str, float] = {
        **year_figures(0),
        "disaster_loss_100m_cny": round(gdp[0] * rng.uniform(0.001, 0.012), 2),
        "fines_cny": fines,
        "non_accident_fines_cny": round(fines * rng.uniform(0.78, 0.95)),
        "inspections": inspections,
        "inspections_with_penalty": round(inspections * rng.uniform(0.15, 0.3)),
        "forest_fires": fires,
        "forest_fires_found_30min": fires - (1 if fires and rng.random() < 0.3 else 0),
        "townships": townships,
        "township_stations_built": townships - (1 if rng.random() < 0.3 else 0),
    }
    return {
        "id": f"{county}-{year}",
        "targets": {
            "region": county,
            "year": year,
            "this_year": this_year,
            "last_year": year_figures(1),
            "year_before_last": year_figures(2),
        },
    }


def township_of(record: Dict[str, Any]) -> Tuple[str, str]:
    """(county, township) of a record."""
    loc = record["hazard"]["location"]
    return loc["county"], loc["township"]


if __name__ == "__main__":
    sys.exit(_main())
