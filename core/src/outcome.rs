//! A compiled decision before it becomes a [`Decision`]: section results and
//! trace records in an evaluator's scratch memory. Making the owned
//! `Decision` (strings for every field and sentence) costs more than the
//! rules themselves, so hot paths read the [`Outcome`] and materialise only
//! what they need.

use chrono::NaiveDate;

use crate::decision::{Decision, Response, Responsibility};
use crate::error::{Error, InputError};
use crate::evaluate::Section;
use crate::input::Input;
use crate::plan::eval::{Ev, Fault, Scratch, Stop};
use crate::plan::trace::{self, Rec, TraceMode};
use crate::plan::{frame, output, Plan, V};
use crate::ruleset::Ruleset;

/// Evaluates decisions with memory of its own, reused from one decision to
/// the next (a warm evaluator does not allocate for the rules). One per
/// thread: it is `Send` but not shared.
///
/// ```
/// use hazard_rules::{Input, Ruleset, Section, TraceMode};
/// let rs = Ruleset::default();
/// let mut ev = rs.evaluator();
/// let input = Input::from_json(r#"{"accident": {"deaths": 3}}"#).unwrap();
/// let out = ev.run(&input, "2024-06-30".parse().unwrap(), &Section::ALL, TraceMode::Full).unwrap();
/// assert!(out.fired().any(|id| id == "response.accident_grade"));
/// let d = out.to_decision().unwrap();
/// assert_eq!(d.response.unwrap().accident.unwrap().grade, "large");
/// ```
pub struct Evaluator<'r> {
    rules: &'r Ruleset,
    scratch: Scratch,
}

impl Ruleset {
    /// An evaluator for this ruleset (see [`Evaluator`]).
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator {
            rules: self,
            scratch: Scratch::default(),
        }
    }
}

impl<'r> Evaluator<'r> {
    /// Runs the sections an input calls for (see [`Ruleset::evaluate_with`]).
    pub fn run<'s>(
        &'s mut self,
        input: &'s Input,
        as_of: NaiveDate,
        sections: &[Section],
        mode: TraceMode,
    ) -> Result<Outcome<'s>, Error> {
        run(self.rules, &mut self.scratch, input, as_of, sections, mode)
    }
}

/// The result of [`Evaluator::run`].
pub struct Outcome<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Plan(Planned<'a>),
    /// The interpreter's decision (a section that did not compile failed,
    /// or the plan stopped on a failure the interpreter words).
    Decided(Box<Decision>),
}

struct Planned<'a> {
    rules: &'a Ruleset,
    plan: &'a Plan,
    s: &'a mut Scratch,
    input: &'a Input,
    as_of: NaiveDate,
    /// The sections asked for, as bits (`1 << index in Section::ALL`): no
    /// allocation per decision.
    wanted: u8,
    mode: TraceMode,
    r: Results,
}

/// The value each entry function returned.
#[derive(Default)]
struct Results {
    classification: Option<V>,
    rectification: Option<V>,
    assignment: Option<V>,
    staffing: Option<V>,
    accident: Option<V>,
    warning: Option<V>,
    response: bool,
    risk: Option<V>,
}

impl Outcome<'_> {
    /// The ids of the trace entries, in order: rule ids, table names,
    /// `civil_code_201_203` for calendar counts.
    pub fn fired(&self) -> impl Iterator<Item = &str> + '_ {
        let (decided, planned) = match &self.inner {
            Inner::Decided(d) => (Some(d), None),
            Inner::Plan(p) => (None, Some(p)),
        };
        let decided = decided
            .into_iter()
            .flat_map(|d| d.trace.iter().map(|t| t.id.as_str()));
        let planned = planned.into_iter().flat_map(|p| {
            p.s.trace.iter().map(move |r| match *r {
                Rec::Rule { tpl, .. } => p.plan.templates[tpl as usize].id.as_ref(),
                Rec::Row { table, .. } | Rec::Band { table, .. } | Rec::Table { table } => {
                    p.plan.tables[table as usize].name.as_ref()
                }
                Rec::Calendar { .. } => "civil_code_201_203",
                Rec::Entry(i) => p.s.entries[i as usize].id.as_str(),
            })
        });
        decided.chain(planned)
    }

    /// The owned decision, with the trace written as the mode asks.
    pub fn to_decision(self) -> Result<Decision, Error> {
        match self.inner {
            Inner::Decided(d) => Ok(*d),
            Inner::Plan(p) => {
                let (rules, input, as_of, mode) = (p.rules, p.input, p.as_of, p.mode);
                let wanted: Vec<Section> = Section::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| p.wanted & (1 << i) != 0)
                    .map(|(_, s)| s)
                    .collect();
                match materialise(p) {
                    Some(d) => Ok(d),
                    // A result the output types reject: the interpreter says how.
                    None if rules.rules.is_some() => rules.interpreted(input, as_of, &wanted, mode),
                    None => Err(plan_error("", None)),
                }
            }
        }
    }
}

fn materialise(p: Planned) -> Option<Decision> {
    let (plan, s, r) = (p.plan, &mut *p.s, &p.r);
    let mut d = Decision {
        id: p.input.id.clone(),
        as_of: p.as_of,
        ruleset: p.rules.chain_refs(),
        classification: match r.classification {
            Some(v) if p.wanted & 1 != 0 => Some(output::read(plan, s, v).ok()?),
            _ => None,
        },
        rectification: match r.rectification {
            Some(v) => Some(output::read(plan, s, v).ok()?),
            None => None,
        },
        responsibility: match r.assignment {
            Some(v) => Some(output::read::<Responsibility>(plan, s, v).ok()?),
            None => None,
        },
        response: None,
        risk: match r.risk {
            Some(v) => Some(output::read(plan, s, v).ok()?),
            None => None,
        },
        trace: Vec::new(),
    };
    if let Some(v) = r.staffing {
        let staffing = output::read(plan, s, v).ok()?;
        d.set_staffing(staffing);
    }
    if r.response {
        d.response = Some(Response {
            accident: match r.accident {
                Some(v) => Some(output::read(plan, s, v).ok()?),
                None => None,
            },
            warning: match r.warning {
                Some(v) => Some(output::read(plan, s, v).ok()?),
                None => None,
            },
        });
    }
    if p.mode != TraceMode::Off {
        d.trace = trace::render(plan, s, p.mode);
    }
    Some(d)
}

thread_local! {
    /// The scratch of `Ruleset::evaluate` on this thread.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch (a fresh one if it is in use).
pub(crate) fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// How a compiled decision ended early.
enum Early {
    /// The rule's own input error: the decision's answer.
    Input(InputError),
    /// Anything else: the interpreter answers instead, in its own words
    /// (the entry function and the plan's own account, for a ruleset read
    /// from a precompiled plan, which has no interpreter).
    Interpret(String, Option<Fault>),
}

/// The plan's account of a failure, where no interpreter can give its own.
fn plan_error(entry: &str, fault: Option<Fault>) -> Error {
    use crate::error::{LimitError, RulesetError};
    match fault {
        Some(Fault::Limit(what)) => Error::Limit(LimitError {
            rule: entry.to_owned(),
            limit: what,
            file: "<compiled plan>".into(),
            line: 0,
            column: 0,
        }),
        Some(Fault::Input(e)) => Error::Input(e),
        Some(Fault::Other(msg)) => Error::Ruleset(RulesetError::in_file(
            "<compiled plan>",
            format!("rule `{entry}` failed: {msg}"),
        )),
        None if entry.is_empty() => Error::Ruleset(RulesetError::in_file(
            "<compiled plan>",
            "a rule returned a result that does not fit the decision's types",
        )),
        None => Error::Ruleset(RulesetError::in_file(
            "<compiled plan>",
            format!("rule `{entry}` returned an invalid result"),
        )),
    }
}

pub(crate) fn run<'a>(
    rules: &'a Ruleset,
    s: &'a mut Scratch,
    input: &'a Input,
    as_of: NaiveDate,
    wanted: &[Section],
    mode: TraceMode,
) -> Result<Outcome<'a>, Error> {
    let decided = |d| Outcome {
        inner: Inner::Decided(Box::new(d)),
    };
    let Some(plan) = &rules.plan else {
        return Ok(decided(rules.interpreted(input, as_of, wanted, mode)?));
    };
    input.validate()?;
    match execute(rules, plan, s, input, as_of, wanted, mode) {
        Ok(r) => Ok(Outcome {
            inner: Inner::Plan(Planned {
                rules,
                plan,
                s,
                input,
                as_of,
                wanted: wanted
                    .iter()
                    .map(|s| 1u8 << Section::ALL.iter().position(|x| x == s).unwrap_or(0))
                    .fold(0, |a, b| a | b),
                mode,
                r,
            }),
        }),
        Err(Early::Input(e)) => Err(Error::Input(e)),
        Err(Early::Interpret(entry, fault)) => match rules.rules {
            Some(_) => Ok(decided(rules.interpreted(input, as_of, wanted, mode)?)),
            None => Err(plan_error(&entry, fault)),
        },
    }
}

/// The entry functions an input calls for, in the interpreter's order.
fn execute(
    rules: &Ruleset,
    plan: &Plan,
    s: &mut Scratch,
    input: &Input,
    as_of: NaiveDate,
    wanted: &[Section],
    mode: TraceMode,
) -> Result<Results, Early> {
    s.reset(mode);
    let want = |x: Section| wanted.contains(&x);
    if mode != TraceMode::Off {
        if let Some(note) = rules.effective_from_note(as_of) {
            s.entries.push(note);
            s.trace.push(Rec::Entry(0));
        }
    }
    let as_of_v = s.push_date(as_of);
    let k = plan.keys;
    let mut r = Results::default();
    if let Some(h) = &input.hazard {
        if want(Section::Classification)
            || want(Section::Rectification)
            || want(Section::Responsibility)
        {
            let hazard = frame::hazard(s, &k, h);
            let cls = entry(rules, plan, s, "classify", &[hazard])?;
            r.classification = Some(cls);
            if want(Section::Rectification) {
                r.rectification = Some(entry(rules, plan, s, "rectify", &[hazard, cls, as_of_v])?);
            }
            if want(Section::Responsibility) {
                r.assignment = Some(entry(rules, plan, s, "assign", &[hazard, cls])?);
            }
        }
    }
    if let (Some(t), true) = (&input.township, want(Section::Responsibility)) {
        let t = frame::township(s, &k, t);
        r.staffing = Some(entry(rules, plan, s, "check_staffing", &[t])?);
    }
    if want(Section::Response) && (input.accident.is_some() || input.warning.is_some()) {
        r.response = true;
        if let Some(a) = &input.accident {
            let a = frame::accident(s, &k, a);
            r.accident = Some(entry(rules, plan, s, "grade_accident", &[a, as_of_v])?);
        }
        if let Some(w) = &input.warning {
            let w = frame::warning(s, &k, w);
            r.warning = Some(entry(rules, plan, s, "respond_to_warning", &[w])?);
        }
    }
    if let (Some(risk), true) = (&input.risk, want(Section::Risk)) {
        let v = frame::risk(s, &k, risk);
        r.risk = Some(entry(rules, plan, s, "score_risk", &[v])?);
    }
    Ok(r)
}

/// Calls an entry point: compiled when it is, else in the interpreter (its
/// trace entries are kept as written).
fn entry(
    rules: &Ruleset,
    plan: &Plan,
    s: &mut Scratch,
    name: &str,
    args: &[V],
) -> Result<V, Early> {
    if let Some(&id) = plan.entries.get(name) {
        return match Ev::new(plan, s).call_entry(id, args) {
            Ok(v) => Ok(v),
            // `call_entry` answers `return`, `break` and `continue`: what
            // leaves it is a failure.
            Err(Stop) => match s.fault.take() {
                Some(Fault::Input(e)) => Err(Early::Input(e)),
                fault => Err(Early::Interpret(name.to_owned(), fault)),
            },
        };
    }
    let ev = Ev::new(plan, s);
    let args: Vec<rhai::Dynamic> = args.iter().map(|a| ev.to_dynamic(*a)).collect();
    let (value, entries) = rules
        .call_interpreted(name, args)
        .map_err(|_| Early::Interpret(name.to_owned(), None))?;
    for e in entries {
        s.entries.push(e);
        s.trace.push(Rec::Entry(s.entries.len() as u32 - 1));
    }
    Ok(Ev::new(plan, s).take_dynamic(&value))
}
