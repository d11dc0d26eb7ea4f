//! Working days and Civil Code period counting.
//!
//! PRC Civil Code Art. 201: the day a period starts is not counted. Art. 203:
//! if the last day is a statutory holiday or rest day, the period ends on the
//! first working day after it. Rest days are Saturdays and Sundays unless the
//! State Council's yearly notice makes them make-up working days (调休); the
//! notices are ruleset data (`kind = "calendar"` tables), one per year.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Holidays and make-up working days, merged from a ruleset's calendar tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Calendar {
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeSet<NaiveDate>,
    /// Years that have a notice, with the ruleset that gave it; outside
    /// them only weekends are known.
    years: BTreeMap<i32, String>,
}

/// What kind of day a date is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    /// A Saturday or Sunday made a working day by the yearly notice.
    MakeUpWorking,
    Weekend,
    Holiday(String),
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Working | DayKind::MakeUpWorking)
    }
}

/// The result of counting a period, with the days skipped to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// `start + days`, before moving off rest days.
    pub nominal: NaiveDate,
    /// The first working day on or after `nominal`.
    pub due: NaiveDate,
    /// The non-working days passed over, in order.
    pub skipped: Vec<(NaiveDate, DayKind)>,
}

impl Calendar {
    /// Adds one year's notice. Later calls override earlier ones for the same dates,
    /// so an overlay can correct a parent's table.
    pub fn add_year(
        &mut self,
        year: i32,
        origin: &str,
        holidays: impl IntoIterator<Item = (NaiveDate, String)>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) {
        self.years.insert(year, origin.to_owned());
        for (d, name) in holidays {
            self.workdays.remove(&d);
            self.holidays.insert(d, name);
        }
        for d in workdays {
            self.holidays.remove(&d);
            self.workdays.insert(d);
        }
    }

    /// Whether a yearly notice is known for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The first year a counted period reaches without a notice: the days
    /// from `nominal` to `due` are the ones whose kind decided the end, so a
    /// year among them with no table makes the deadline provisional (only
    /// weekends were known there). The days before `nominal` are counted as
    /// calendar days and need no notice.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hazard_rules::calendar::Calendar;
    /// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    /// let mut cal = Calendar::default();
    /// cal.add_year(2026, "demo@1", [], []);
    /// let end = cal.deadline(d("2026-12-01"), 30);
    /// assert_eq!(cal.missing_year(end.nominal, end.due), None);
    /// let end = cal.deadline(d("2026-12-01"), 31); // 2027-01-01
    /// assert_eq!(cal.missing_year(end.nominal, end.due), Some(2027));
    /// ```
    pub fn missing_year(&self, nominal: NaiveDate, due: NaiveDate) -> Option<i32> {
        (nominal.year()..=due.year()).find(|y| !self.covers(*y))
    }

    /// The ruleset (`id@version`) whose table gave `year`'s notice.
    pub fn origin(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(String::as_str)
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(name) = self.holidays.get(&date) {
            return DayKind::Holiday(name.clone());
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        match (weekend, self.workdays.contains(&date)) {
            (true, true) => DayKind::MakeUpWorking,
            (true, false) => DayKind::Weekend,
            (false, _) => DayKind::Working,
        }
    }

    /// Counts `days` from `start` under Civil Code Art. 201/203.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hazard_rules::calendar::Calendar;
    /// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    /// let mut cal = Calendar::default();
    /// let national_day = (1..=7).map(|i| (d(&format!("2021-10-0{i}")), "国庆节".to_string()));
    /// cal.add_year(2021, "demo@1", national_day, [d("2021-09-26"), d("2021-10-09")]);
    /// // Listed on 1 September with 30 days: the 30th day is 1 October, a holiday.
    /// assert_eq!(cal.deadline(d("2021-09-01"), 30).due, d("2021-10-08"));
    /// ```
    /// [`Calendar::deadline`] without the list of skipped days: `(nominal,
    /// due)`, allocating nothing (the compiled plan's path).
    pub fn due_date(&self, start: NaiveDate, days: u64) -> (NaiveDate, NaiveDate) {
        let nominal = add_days(start, days as i64);
        let mut due = nominal;
        // The last representable day ends the count whatever it is.
        while !self.is_working(due) && due < NaiveDate::MAX {
            due = add_days(due, 1);
        }
        (nominal, due)
    }

    /// Whether a day is a working day, as [`Calendar::day_kind`] says.
    pub fn is_working(&self, date: NaiveDate) -> bool {
        if self.holidays.contains_key(&date) {
            return false;
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend || self.workdays.contains(&date)
    }

    pub fn deadline(&self, start: NaiveDate, days: u64) -> Deadline {
        let nominal = add_days(start, days as i64);
        let mut due = nominal;
        let mut skipped = Vec::new();
        loop {
            let kind = self.day_kind(due);
            if kind.is_working() || due == NaiveDate::MAX {
                break;
            }
            skipped.push((due, kind));
            due = add_days(due, 1);
        }
        Deadline {
            nominal,
            due,
            skipped,
        }
    }
}

/// `date + days` (negative goes back), saturating at the ends of the calendar.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let magnitude = Days::new(days.unsigned_abs());
    let moved = if days >= 0 {
        date.checked_add_days(magnitude)
    } else {
        date.checked_sub_days(magnitude)
    };
    moved.unwrap_or(if days >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// How a skipped day is named in `deadline(..).skipped`.
#[cfg(feature = "scripted")]
pub(crate) fn day_label(kind: &DayKind) -> String {
    match kind {
        DayKind::Holiday(name) => format!("holiday:{name}"),
        DayKind::Weekend => "weekend".into(),
        DayKind::MakeUpWorking => "make-up working day".into(),
        DayKind::Working => "working day".into(),
    }
}

/// The trace text of a Civil Code deadline (zh, en).
pub(crate) fn deadline_text(
    cal: &Calendar,
    start: NaiveDate,
    days: i64,
    d: &Deadline,
) -> (String, String) {
    let mut zh = format!(
        "自{start}起算{days}日（起算日不计入），第{days}日为{}",
        d.nominal
    );
    let mut en = format!(
        "{days} days from {start} (start day not counted): day {days} is {}",
        d.nominal
    );
    if d.skipped.is_empty() {
        zh.push_str("，为工作日");
        en.push_str(", a working day");
    } else {
        zh.push_str(&format!("，逢休息日或法定节假日，顺延至{}", d.due));
        en.push_str(&format!(
            ", a rest day or holiday, so the period ends on {}",
            d.due
        ));
    }
    if let Some(year) = cal.missing_year(d.nominal, d.due) {
        zh.push_str(&format!(
            "；注意：规则集无{year}年节假日安排，仅按周末计算，期限为暂定"
        ));
        en.push_str(&format!(
            "; note: no holiday notice for {year} in the ruleset, weekends only: the deadline is provisional"
        ));
    }
    (zh, en)
}

/// The `note` of a provisional deadline (`deadline(..).note`, a
/// rectification's `provisional_note`): names the year without a notice.
#[cfg(feature = "scripted")]
pub(crate) fn provisional_note(year: i32) -> String {
    let mut s = String::new();
    write_provisional_note(&mut s, year);
    s
}

/// [`provisional_note`] written into `out` (the compiled plan's scratch text,
/// which a warm evaluator reuses without allocating).
pub(crate) fn write_provisional_note(out: &mut String, year: i32) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "规则集无{year}年国务院节假日安排通知，期限仅按周末推算，为暂定 \
         no State Council holiday notice for {year} in the ruleset: the deadline counts weekends only and is provisional"
    );
}

/// How a skipped day is named in `deadline(..).skipped`, as [`day_label`]
/// says, written into `out` without building a [`DayKind`].
pub(crate) fn write_rest_day_label(cal: &Calendar, date: NaiveDate, out: &mut String) {
    match cal.holidays.get(&date) {
        Some(name) => {
            out.push_str("holiday:");
            out.push_str(name);
        }
        None => out.push_str("weekend"),
    }
}

#[cfg(test)]
mod end_of_time {
    use super::*;

    #[test]
    fn counting_past_the_last_day_ends_there() {
        let cal = Calendar::default();
        let near_end = NaiveDate::MAX - Days::new(3);
        // Whatever weekday the last day is, the count stops on it.
        assert_eq!(
            cal.due_date(near_end, 1_000_000),
            (NaiveDate::MAX, NaiveDate::MAX)
        );
        assert_eq!(cal.deadline(near_end, 1_000_000).due, NaiveDate::MAX);
    }
}
