//! JSON in, JSON out: the one surface every binding wraps, so that the
//! browser, Node and Python builds only move strings and cannot drift apart.
//!
//! Every function returns an [`Answer`]: `{"ok": ...}` or `{"error": {...}}`,
//! where the error carries `kind` (`input`, `ruleset`, `limit`), `message`
//! and its location fields (`path`, or `file`/`line`/`column`, or `rule`).
//!
//! ```
//! use hazard_rules::{ffi, Ruleset};
//! let rs = Ruleset::default();
//! let answer = ffi::evaluate(&rs, r#"{"accident": {"deaths": 3}}"#, "2024-05-01", None);
//! let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
//! assert_eq!(v["ok"]["response"]["accident"]["grade"], "large");
//!
//! let bad = ffi::evaluate(&rs, r#"{"accident": {"deaths": -1}}"#, "2024-05-01", None);
//! let v: serde_json::Value = serde_json::from_str(&bad).unwrap();
//! assert_eq!(v["error"]["kind"], "input");
//! assert_eq!(v["error"]["path"], "accident.deaths");
//! ```

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Value};

use crate::decision::Decision;
use crate::error::{Error, InputError};
use crate::evaluate::Section;
use crate::input::Input;
use crate::outcome::{self, DecisionJson};
use crate::plan::trace::TraceMode;
use crate::ruleset::Ruleset;

/// `{"ok": value}` or `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Ok(Value),
    Error(Value),
}

impl Answer {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an answer serialises")
    }
}

/// The error as a JSON object: its fields plus `message`.
pub fn error_value(err: &Error) -> Value {
    let mut v = serde_json::to_value(err).expect("an error serialises");
    if let Value::Object(m) = &mut v {
        m.insert("message".into(), Value::String(err.to_string()));
        m.insert("message_zh".into(), Value::String(err.message_zh()));
    }
    v
}

/// Parses an "as of" date (`YYYY-MM-DD`); the error is an input error at
/// `as_of`, worded the same in every binding.
pub fn parse_as_of(text: &str) -> Result<NaiveDate, Error> {
    let d = text.parse::<NaiveDate>().map_err(|e| {
        Error::Input(InputError::of(
            "as_of",
            "not_a_date",
            format!("`{text}` is not a date (YYYY-MM-DD): {e}"),
            format!("“{text}”不是有效的日期：应写作 YYYY-MM-DD，如 2024-05-01"),
        ))
    })?;
    crate::input::plausible_date(|| "as_of".into(), d)?;
    Ok(d)
}

/// An [`Answer`] written straight from the value it carries: a decision is
/// serialised once, not first into a `Value` tree (which cost three times as
/// much as the text and was a large part of a binding's conversion time).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Reply<T> {
    Ok(T),
    Error(Value),
}

impl<T: Serialize> Reply<T> {
    fn of(r: Result<T, Error>) -> Self {
        match r {
            Ok(v) => Reply::Ok(v),
            Err(e) => Reply::Error(error_value(&e)),
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an answer serialises")
    }
}

/// Evaluates one input (JSON text); `section` limits it to one section.
pub fn evaluate(ruleset: &Ruleset, input: &str, as_of_date: &str, section: Option<&str>) -> String {
    evaluate_with(ruleset, input, as_of_date, section, None)
}

/// [`evaluate`] with a trace mode: `full` (the default), `ids` (entries
/// without their sentences) or `off`.
pub fn evaluate_with(
    ruleset: &Ruleset,
    input: &str,
    as_of_date: &str,
    section: Option<&str>,
    trace: Option<&str>,
) -> String {
    match Request::read(input, as_of_date, section, trace) {
        Ok(r) => r.decide(ruleset, |d| Reply::of(d).to_json()),
        Err(e) => Reply::<Decision>::Error(error_value(&e)).to_json(),
    }
}

/// The arguments of [`evaluate_with`], read.
struct Request {
    input: Input,
    as_of: NaiveDate,
    sections: Vec<Section>,
    mode: TraceMode,
}

impl Request {
    fn read(
        input: &str,
        as_of_date: &str,
        section: Option<&str>,
        trace: Option<&str>,
    ) -> Result<Request, Error> {
        let mode = trace.map(parse_trace).transpose()?.unwrap_or_default();
        let as_of = parse_as_of(as_of_date)?;
        let input = parse_input(input)?;
        let sections = match section {
            None => Section::ALL.to_vec(),
            Some(s) => vec![parse_section(s)?],
        };
        Ok(Request {
            input,
            as_of,
            sections,
            mode,
        })
    }

    /// Decides, handing `f` the decision's JSON view (no owned decision).
    fn decide<T>(
        &self,
        ruleset: &Ruleset,
        f: impl FnOnce(Result<DecisionJson<'_>, Error>) -> T,
    ) -> T {
        outcome::with_json(
            ruleset,
            &self.input,
            self.as_of,
            &self.sections,
            self.mode,
            f,
        )
    }
}

/// Parses a trace mode (`full`, `ids`, `off`); the error is an input error at `trace`.
pub fn parse_trace(text: &str) -> Result<TraceMode, Error> {
    text.parse().map_err(|m: String| {
        Error::Input(InputError::of(
            "trace",
            "unknown_option",
            m,
            format!("“{text}”不是可选的跟踪方式：应为 full、ids 或 off"),
        ))
    })
}

/// Text → JSON value → [`Input`], the way the CLI and the test cases read
/// records, so every surface reports the same error for the same input (a
/// binding's caller passed an object, not text: positions in the text the
/// binding made would mean nothing to it). Only a syntax error names a line
/// and column.
fn parse_input(text: &str) -> Result<Input, Error> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::Input(not_json(&e, format!("not JSON: {e}"))))?;
    Ok(Input::from_value(value)?)
}

/// Text that is not JSON (or not the JSON expected): an input error at the
/// root, with serde's detail as is in the Chinese text too.
pub(crate) fn not_json(e: &serde_json::Error, message: String) -> InputError {
    let zh = if e.is_syntax() || e.is_eof() {
        format!(
            "不是合法的 JSON（第 {} 行第 {} 列）：{}{e}",
            e.line(),
            e.column(),
            crate::error::UNTRANSLATED
        )
    } else {
        format!("不是所需的 JSON：{}{e}", crate::error::UNTRANSLATED)
    };
    InputError::of("", "not_json", message, zh)
}

/// Evaluates a JSON array of inputs: a JSON array of answers, one per record.
pub fn evaluate_batch(ruleset: &Ruleset, inputs: &str, as_of_date: &str) -> String {
    evaluate_batch_with(ruleset, inputs, as_of_date, None)
}

/// [`evaluate_batch`] with a trace mode (see [`evaluate_with`]).
pub fn evaluate_batch_with(
    ruleset: &Ruleset,
    inputs: &str,
    as_of_date: &str,
    trace: Option<&str>,
) -> String {
    let mode = match trace.map(parse_trace).transpose() {
        Ok(m) => m.unwrap_or_default(),
        Err(e) => {
            return serde_json::to_string(&[Reply::<Decision>::Error(error_value(&e))])
                .expect("answers serialise")
        }
    };
    let records: Result<Vec<Value>, Error> = serde_json::from_str(inputs).map_err(|e| {
        Error::Input(not_json(
            &e,
            format!("expected a JSON array of inputs: {e}"),
        ))
    });
    let date = parse_as_of(as_of_date);
    match (records, date) {
        (Err(e), _) | (_, Err(e)) => {
            serde_json::to_string(&[Reply::<Decision>::Error(error_value(&e))])
                .expect("answers serialise")
        }
        // Each answer is written from its outcome as soon as it is decided.
        (Ok(records), Ok(date)) => {
            let mut out = Vec::with_capacity(64 + records.len() * 256);
            out.push(b'[');
            for (k, v) in records.into_iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                match Input::from_value(v) {
                    Ok(input) => {
                        outcome::with_json(ruleset, &input, date, &Section::ALL, mode, |d| {
                            serde_json::to_writer(&mut out, &Reply::of(d))
                        })
                    }
                    Err(e) => serde_json::to_writer(
                        &mut out,
                        &Reply::<Decision>::Error(error_value(&e.into())),
                    ),
                }
                .expect("an answer serialises");
            }
            out.push(b']');
            String::from_utf8(out).expect("serde_json writes UTF-8")
        }
    }
}

/// Parses a section name (`classification`, `rectification`, `responsibility`,
/// `response`, `risk`); the error is an input error at `section`.
pub fn parse_section(text: &str) -> Result<Section, Error> {
    text.parse()
        .map_err(|m: String| {
            Error::Input(InputError::of(
                "section",
                "unknown_option",
                m,
                format!(
                    "“{text}”不是可选的部分：应为 classification、rectification、responsibility、response、risk、standardisation 或 targets"
                ),
            ))
        })
}

/// Checks an input without returning the decision: `{"ok": {"valid":
/// bool, "problems": [...]}}`, every problem at once (see
/// [`Ruleset::validate`]), each `{"path", "problem", "message",
/// "message_zh"}` with the reason alone (no location) in English and
/// Chinese, so a form can mark every bad field. A bad `as_of` is a problem
/// at `as_of` (the record's types and structure are still checked); an error
/// that is not the input's (a failing rule) is the answer's `error`.
///
/// ```
/// use hazard_rules::{ffi, Ruleset};
/// let rs = Ruleset::default();
/// let answer = ffi::validate(&rs, r#"{"accident": {"deaths": -1, "direct_loss_cny": "lots"}, "warning": {"rainfall_1h_mm": -3}}"#, "2024-05-01");
/// let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
/// assert_eq!(v["ok"]["valid"], false);
/// let problems = v["ok"]["problems"].as_array().unwrap();
/// assert_eq!(problems.len(), 3);
/// assert_eq!(problems[2]["path"], "warning.rainfall_1h_mm");
/// assert_eq!(problems[2]["problem"], "negative");
/// ```
pub fn validate(ruleset: &Ruleset, input: &str, as_of_date: &str) -> String {
    let record = match serde_json::from_str::<Value>(input) {
        Ok(v) => v,
        Err(e) => {
            return problems_answer(Ok(vec![not_json(&e, format!("not JSON: {e}"))]));
        }
    };
    let found = match parse_as_of(as_of_date) {
        Ok(day) => ruleset.validate(&record, day),
        Err(Error::Input(e)) => ruleset.validate_undated(record).map(|mut rest| {
            rest.insert(0, e);
            rest
        }),
        Err(e) => Err(e),
    };
    problems_answer(found)
}

fn problems_answer(found: Result<Vec<InputError>, Error>) -> String {
    Reply::of(found.map(|problems| json!({ "valid": problems.is_empty(), "problems": problems })))
        .to_json()
}

/// The chain and its tables.
pub fn info(ruleset: &Ruleset) -> String {
    let chain: Vec<Value> = ruleset
        .manifests()
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "version": m.version, "title": m.title,
                "description": m.description, "effective_from": m.effective_from.to_string(),
            })
        })
        .collect();
    let tables: Vec<Value> = ruleset
        .tables()
        .map(|(name, origin)| json!({ "name": name, "ruleset": origin }))
        .collect();
    Answer::Ok(json!({ "chain": chain, "tables": tables })).to_json()
}

/// The ruleset's vocabularies (see [`Ruleset::vocabulary`]):
/// `{"ok": {"sectors": [{"id", "zh", "en"}], "listing_levels": [...],
/// "stages": [...], "colours": [...], "risk_methods": [...]}}`.
///
/// ```
/// use hazard_rules::{ffi, Ruleset};
/// let v: serde_json::Value = serde_json::from_str(&ffi::vocabulary(&Ruleset::default())).unwrap();
/// assert_eq!(v["ok"]["listing_levels"][0]["id"], "province");
/// ```
pub fn vocabulary(ruleset: &Ruleset) -> String {
    Reply::<crate::vocabulary::Vocabulary>::Ok(ruleset.vocabulary()).to_json()
}

/// The catalogue items in force for a sector on a day (see
/// [`Ruleset::catalogue`]): `{"ok": [{"id", "article", "item", "section"?,
/// "title", "verified", "standard", "sector", "catalogue", "version"?}]}`,
/// or an input error at `sector` or `as_of`.
///
/// ```
/// use hazard_rules::{ffi, Ruleset};
/// let v: serde_json::Value = serde_json::from_str(&ffi::catalogue(&Ruleset::default(), "chemicals", "2024-01-01")).unwrap();
/// assert_eq!(v["ok"][0]["id"], "HG-1");
/// let e: serde_json::Value = serde_json::from_str(&ffi::catalogue(&Ruleset::default(), "chemicals", "2024-13-01")).unwrap();
/// assert_eq!(e["error"]["path"], "as_of");
/// ```
pub fn catalogue(ruleset: &Ruleset, sector: &str, as_of_date: &str) -> String {
    Reply::of(parse_as_of(as_of_date).and_then(|day| ruleset.catalogue(sector, day))).to_json()
}
