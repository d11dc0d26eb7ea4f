//! The Rhai interpreter's side of evaluation (only with the `scripted`
//! feature): the whole decision by the interpreter alone (the oracle the
//! compiled plan is tested against), and one entry function in it, for the
//! plan's fallback when a function did not compile.

use chrono::NaiveDate;
use rhai::Dynamic;
use serde::Serialize;

use crate::decision::{Decision, Response, TraceEntry};
use crate::engine::TraceBuf;
use crate::error::{Error, InputError};
use crate::evaluate::Section;
use crate::in_force::{Applied, Day};
use crate::input::Input;
use crate::plan::trace::TraceMode;
use crate::ruleset::Ruleset;

fn to_dynamic<T: Serialize>(path: &str, value: &T) -> Result<Dynamic, Error> {
    rhai::serde::to_dynamic(value).map_err(|e| Error::Input(InputError::new(path, e.to_string())))
}

impl Ruleset {
    /// The same decision computed by the Rhai interpreter alone, without the
    /// compiled plan: the reference the compiled path is tested against
    /// (`tests/oracle.rs`). Slower; meant for checking, not for production.
    pub fn evaluate_interpreted(&self, input: &Input, as_of: NaiveDate) -> Result<Decision, Error> {
        self.evaluate_sections(input, as_of, &Section::ALL)
    }

    /// [`Ruleset::evaluate_section`] computed by the interpreter alone.
    pub fn evaluate_section_interpreted(
        &self,
        input: &Input,
        section: Section,
        as_of: NaiveDate,
    ) -> Result<Decision, Error> {
        self.evaluate_sections(input, as_of, &[section])
    }

    fn evaluate_sections(
        &self,
        input: &Input,
        as_of: NaiveDate,
        wanted: &[Section],
    ) -> Result<Decision, Error> {
        crate::engine::on_big_stack(|| self.evaluate_sections_here(input, as_of, wanted))
    }

    fn evaluate_sections_here(
        &self,
        input: &Input,
        as_of: NaiveDate,
        wanted: &[Section],
    ) -> Result<Decision, Error> {
        input.validate()?;
        input.validate_as_of(as_of)?;
        let want = |s: Section| wanted.contains(&s);
        let trace = TraceBuf::default();
        if let Some(note) = self.effective_from_note(as_of) {
            trace.push(note);
        }
        let as_of_text = Dynamic::from(as_of.to_string());
        let rules = self.interpreter()?;
        let mut d = Decision {
            id: input.id.clone(),
            as_of,
            ruleset: self.chain_refs(),
            in_force: Vec::new(),
            classification: None,
            rectification: None,
            responsibility: None,
            response: None,
            risk: None,
            standardisation: None,
            targets: None,
            trace: Vec::new(),
        };

        if let Some(h) = &input.hazard {
            if want(Section::Classification)
                || want(Section::Rectification)
                || want(Section::Responsibility)
            {
                let hazard = to_dynamic("hazard", h)?;
                trace.set_day(Day::for_entry("classify", input, as_of));
                let cls = rules.call("classify", (hazard.clone(),), &trace)?;
                if want(Section::Classification) {
                    d.classification = Some(rules.output("classify", &cls)?);
                }
                if want(Section::Rectification) {
                    trace.set_day(Day::for_entry("rectify", input, as_of));
                    let r = rules.call(
                        "rectify",
                        (hazard.clone(), cls.clone(), as_of_text.clone()),
                        &trace,
                    )?;
                    d.rectification = Some(rules.output("rectify", &r)?);
                }
                if want(Section::Responsibility) {
                    trace.set_day(Day::for_entry("assign", input, as_of));
                    let r = rules.call("assign", (hazard, cls), &trace)?;
                    d.responsibility = Some(rules.output("assign", &r)?);
                }
            }
        }
        if let (Some(t), true) = (&input.township, want(Section::Responsibility)) {
            trace.set_day(Day::for_entry("check_staffing", input, as_of));
            let r = rules.call("check_staffing", (to_dynamic("township", t)?,), &trace)?;
            let staffing = rules.output("check_staffing", &r)?;
            d.set_staffing(staffing);
        }
        if want(Section::Response) && (input.accident.is_some() || input.warning.is_some()) {
            let mut response = Response {
                accident: None,
                warning: None,
            };
            if let Some(a) = &input.accident {
                trace.set_day(Day::for_entry("grade_accident", input, as_of));
                let r = rules.call(
                    "grade_accident",
                    (to_dynamic("accident", a)?, as_of_text.clone()),
                    &trace,
                )?;
                response.accident = Some(rules.output("grade_accident", &r)?);
            }
            if let Some(w) = &input.warning {
                trace.set_day(Day::for_entry("respond_to_warning", input, as_of));
                let r = rules.call("respond_to_warning", (to_dynamic("warning", w)?,), &trace)?;
                response.warning = Some(rules.output("respond_to_warning", &r)?);
            }
            d.response = Some(response);
        }
        if let (Some(risk), true) = (&input.risk, want(Section::Risk)) {
            trace.set_day(Day::for_entry("score_risk", input, as_of));
            let r = rules.call("score_risk", (to_dynamic("risk", risk)?,), &trace)?;
            d.risk = Some(rules.output("score_risk", &r)?);
        }
        if let (Some(c), true) = (&input.checklist, want(Section::Standardisation)) {
            trace.set_day(Day::for_entry("check_list", input, as_of));
            let r = rules.call(
                "check_list",
                (to_dynamic("checklist", c)?, as_of_text.clone()),
                &trace,
            )?;
            d.standardisation = Some(rules.output("check_list", &r)?);
        }
        if let (Some(t), true) = (&input.targets, want(Section::Targets)) {
            trace.set_day(Day::for_entry("assess_targets", input, as_of));
            let r = rules.call(
                "assess_targets",
                (to_dynamic("targets", t)?, as_of_text.clone()),
                &trace,
            )?;
            d.targets = Some(rules.output("assess_targets", &r)?);
        }
        d.trace = trace.take();
        d.in_force = trace.take_applied();
        Ok(d)
    }

    /// One entry function in the interpreter, with the trace it wrote.
    pub(crate) fn call_interpreted(
        &self,
        name: &str,
        args: Vec<Dynamic>,
        day: Day,
    ) -> Result<(Dynamic, Vec<TraceEntry>, Vec<Applied>), Error> {
        crate::engine::on_big_stack(|| {
            let buf = TraceBuf::default();
            buf.set_day(day);
            let v = self.interpreter()?.call(name, args, &buf)?;
            // The plan reads the value recursively, on the caller's stack.
            if crate::engine::nested_deeper_than(&v, crate::engine::MAX_HANDED_DEPTH) {
                return Err(Error::Limit(crate::error::LimitError {
                    rule: name.to_owned(),
                    limit: "value nested too deep".into(),
                    file: String::new(),
                    line: 0,
                    column: 0,
                }));
            }
            Ok((v, buf.take(), buf.take_applied()))
        })
    }

    /// The interpreter alone, with the trace cut to `mode`.
    pub(crate) fn interpreted(
        &self,
        input: &Input,
        as_of: NaiveDate,
        wanted: &[Section],
        mode: TraceMode,
    ) -> Result<Decision, Error> {
        let mut d = self.evaluate_sections(input, as_of, wanted)?;
        match mode {
            TraceMode::Full => {}
            TraceMode::Ids => d.trace.iter_mut().for_each(|t| {
                t.zh.clear();
                t.en.clear();
            }),
            TraceMode::Off => d.trace.clear(),
        }
        Ok(d)
    }
}

impl Ruleset {
    /// The Rhai interpreter, which a ruleset read from a precompiled plan lacks.
    fn interpreter(&self) -> Result<&crate::engine::Rules, Error> {
        self.rules.as_ref().ok_or_else(|| {
            Error::Ruleset(crate::error::RulesetError::in_file(
                "<compiled plan>",
                "this ruleset was read from a precompiled plan, which has no interpreter: load the ruleset's files to compare with the interpreter",
            ))
        })
    }
}
