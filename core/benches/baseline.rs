//! The default rules hand-coded in Rust, numbers inlined: the baseline the
//! benchmark compares the ruleset engine with. Not used anywhere else.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use hazard_rules::Input;

pub struct Baseline {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

pub struct Answer {
    pub level: String,
    pub due: NaiveDate,
    pub status: &'static str,
    pub lead: Option<String>,
    pub accident_grade: String,
    pub warning_level: Option<&'static str>,
    pub point_colours: Vec<&'static str>,
    pub unit_colour: String,
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

impl Default for Baseline {
    fn default() -> Self {
        Self::new()
    }
}

impl Baseline {
    pub fn new() -> Self {
        // 2021 National Day and the make-up days around it: enough for the bench input.
        let holidays = (1..=7).map(|i| d(&format!("2021-10-0{i}"))).collect();
        let workdays = [d("2021-09-26"), d("2021-10-09")].into_iter().collect();
        Baseline { holidays, workdays }
    }

    fn working(&self, day: NaiveDate) -> bool {
        if self.holidays.contains(&day) {
            return false;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || self.workdays.contains(&day)
    }

    fn deadline(&self, start: NaiveDate, days: u64) -> NaiveDate {
        let mut due = start.checked_add_days(Days::new(days)).unwrap();
        while !self.working(due) {
            due = due.succ_opt().unwrap();
        }
        due
    }

    pub fn decide(&self, input: &Input, as_of: NaiveDate) -> Answer {
        let h = input.hazard.as_ref().unwrap();
        let gongmao = [
            "metallurgy",
            "nonferrous",
            "building_materials",
            "machinery",
            "light_industry",
            "textiles",
            "tobacco",
        ];
        let major_item = h.items.iter().any(|i| {
            let article: u32 = i
                .split('-')
                .nth(1)
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            // Items for every 工贸 sector: Order 10 Art. 3 and 11–13; in the
            // 2017 standard (GM17-), its special sections 1–3.
            let general = if i.starts_with("GM17-") {
                article <= 3
            } else {
                article == 3 || article >= 11
            };
            gongmao.contains(&h.sector.as_str()) && general
        });
        let major = major_item || h.facts.needs_suspension || h.facts.cannot_self_remove;
        let (start, days) = match &h.listing {
            Some(l) if l.level == "city" => (l.listed_on, 60),
            Some(l) if l.level == "county" => (l.listed_on, 30),
            Some(l) => (l.listed_on, 90),
            None if major => (h.found_on, 90),
            None => (h.found_on, 30),
        };
        let due = self.deadline(start, days);
        let left = (due - as_of).num_days();
        let status = if left < 0 {
            "overdue"
        } else if left <= 7 {
            "due_soon"
        } else {
            "not_due"
        };
        let lead = h.enterprise.as_ref().and_then(|e| {
            let post = if major {
                e.principal.as_ref()
            } else {
                e.department_head.as_ref()
            }?;
            Some(if post.absent {
                post.backup.clone().unwrap_or_default()
            } else {
                post.name.clone()
            })
        });

        let a = input.accident.as_ref().unwrap();
        let rank = |v: f64, edges: [f64; 3]| edges.iter().filter(|e| v >= **e).count();
        let r = rank(a.deaths as f64, [3.0, 10.0, 30.0])
            .max(rank(a.serious_injuries as f64, [10.0, 50.0, 100.0]))
            .max(rank(a.direct_loss_cny, [1e7, 5e7, 1e8]));
        let accident_grade = ["general", "large", "major", "especially_major"][r].to_owned();

        let t = input.warning.as_ref().unwrap().typhoon.as_ref().unwrap();
        let signals = [
            (6, 12, 14, "I"),
            (12, 10, 12, "II"),
            (24, 8, 10, "III"),
            (24, 6, 8, "IV"),
        ];
        let warning_level = signals
            .iter()
            .find(|(h, s, g, _)| {
                t.within_hours <= *h
                    && (t.sustained_force >= *s || t.gust_force.is_some_and(|x| x >= *g))
            })
            .map(|x| x.3);

        let risk = input.risk.as_ref().unwrap();
        let colours = ["blue", "yellow", "orange", "red"];
        let point_colours: Vec<&'static str> = risk
            .points
            .iter()
            .map(|p| match p.method.as_str() {
                // LEC colours follow the grade bands: each edge belongs to the band below.
                "LEC" => {
                    let d = p.l * p.e.unwrap() * p.c.unwrap();
                    colours[[70.0, 160.0, 320.0].iter().filter(|e| d > **e).count()]
                }
                _ => colours[rank(p.l * p.s.unwrap(), [4.0, 10.0, 20.0])],
            })
            .collect();
        let order = ["blue", "yellow", "orange", "red"];
        let mut unit = point_colours
            .iter()
            .map(|c| order.iter().position(|o| o == c).unwrap())
            .max()
            .unwrap_or(0);
        let u = risk.unit.as_ref().unwrap();
        if u.open_major_hazards >= 1 || u.recent_accidents >= 1 || u.overdue_hazards >= 3 {
            unit = unit.max(2);
        }
        if u.overdue_hazards >= 1 || u.standardisation_grade.is_none() {
            unit = unit.max(1);
        }
        Answer {
            level: if major { "major" } else { "general" }.to_owned(),
            due,
            status,
            lead,
            accident_grade,
            warning_level,
            point_colours,
            unit_colour: order[unit].to_owned(),
        }
    }
}
