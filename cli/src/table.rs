//! The readable table of `eval --output table`: one line per record with the
//! headline of each section.

use hazard_rules::{Decision, Error};

const HEADERS: [&str; 11] = [
    "#",
    "id",
    "level",
    "due",
    "status",
    "supervisor",
    "response",
    "risk",
    "staffing",
    "checklist",
    "targets",
];

/// The widest a cell is shown, in characters: a 1 MB id among a thousand
/// records would otherwise pad every row to a megabyte.
const MAX_CELL: usize = 60;

/// A cell as it is printed: control characters escaped (a newline in an id
/// would forge a row, an escape sequence would reach the terminal), and cut
/// at [`MAX_CELL`] characters with `…`.
fn shown(cell: &str) -> String {
    let mut out = String::new();
    for (n, ch) in cell.chars().enumerate() {
        if n == MAX_CELL {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// One record's row as it is printed (each cell escaped and cut): what the
/// table keeps of a record until every row is in and the columns can align.
pub fn row(n: usize, result: &Result<Decision, Error>) -> Vec<String> {
    cells(n, result).iter().map(|c| shown(c)).collect()
}

/// The table of rows made by [`row`], columns aligned.
pub fn render(cells: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count()).collect();
    for row in cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String]| -> String {
        let padded: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&HEADERS.map(String::from));
    for row in cells {
        out.push_str(&line(row));
    }
    out
}

fn cells(n: usize, result: &Result<Decision, Error>) -> Vec<String> {
    let d = match result {
        Ok(d) => d,
        Err(e) => return vec![n.to_string(), String::new(), "ERROR".into(), e.to_string()],
    };
    let dash = || "-".to_owned();
    let c = d.classification.as_ref();
    let r = d.rectification.as_ref();
    let response = d.response.as_ref().map(|resp| {
        let mut parts = Vec::new();
        if let Some(a) = &resp.accident {
            parts.push(a.grade.clone());
        }
        if let Some(w) = &resp.warning {
            parts.push(
                w.level
                    .clone()
                    .map_or("no response".into(), |l| format!("level {l}")),
            );
        }
        parts.join(", ")
    });
    let risk = d.risk.as_ref().map(|k| match (&k.unit, &k.region) {
        (Some(u), _) => u.colour.clone(),
        (None, Some(r)) => format!("region {}", r.colour),
        (None, None) => k
            .points
            .iter()
            .map(|p| p.colour.as_str())
            .collect::<Vec<_>>()
            .join("/"),
    });
    let staffing = d
        .responsibility
        .as_ref()
        .and_then(|x| x.staffing.as_ref())
        .map(|s| {
            if s.ok {
                "ok".to_owned()
            } else {
                format!(
                    "short ({}/{} staff, {}/{} officers)",
                    s.actual_staff, s.required_staff, s.actual_officers, s.required_officers
                )
            }
        });
    // `village_7 6/7 missing evacuation_map, stale drill` or `township_6 complete`.
    let checklist = d.standardisation.as_ref().map(|s| {
        if s.complete {
            return format!("{} complete", s.checklist);
        }
        let mut text = format!("{} {}/{}", s.checklist, s.mandatory_done, s.mandatory_total);
        if !s.missing.is_empty() {
            text += &format!(" missing {}", s.missing.join(", "));
        }
        if !s.stale.is_empty() {
            text += &format!(" stale {}", s.stale.join(", "));
        }
        text
    });
    // `7/8 met, missed inspection_penalty_rate`.
    let targets = d.targets.as_ref().map(|t| {
        let missed: Vec<&str> = t
            .results
            .iter()
            .filter(|r| !r.met)
            .map(|r| r.id.as_str())
            .collect();
        let mut text = format!("{}/{} met", t.met, t.results.len());
        if !missed.is_empty() {
            text += &format!(", missed {}", missed.join(", "));
        }
        text
    });
    let mut row = vec![
        n.to_string(),
        d.id.clone().unwrap_or_default(),
        c.map_or_else(dash, |c| c.level.clone()),
        r.and_then(|r| r.due).map_or_else(dash, |d| d.to_string()),
        r.map_or_else(dash, |r| match (r.overdue_days, r.days_left) {
            (Some(o), _) if r.status == "overdue" => format!("overdue {o}d"),
            (_, Some(l)) => format!("{} ({l}d left)", r.status),
            _ => r.status.clone(),
        }),
        d.responsibility
            .as_ref()
            .and_then(|x| x.supervising_level.clone())
            .unwrap_or_else(dash),
        response.unwrap_or_else(dash),
        risk.unwrap_or_else(dash),
        staffing.unwrap_or_else(dash),
        checklist.unwrap_or_else(dash),
        targets.unwrap_or_else(dash),
    ];
    row.truncate(HEADERS.len());
    row
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn cells_are_escaped_and_cut() {
        assert_eq!(shown("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
        let long = "x".repeat(1_000_000);
        assert_eq!(shown(&long).chars().count(), 61);
        assert_eq!(shown("城北街道"), "城北街道");
    }
}
