//! A compiled decision before it becomes a [`Decision`]: section results and
//! trace records in an evaluator's scratch memory. Making the owned
//! `Decision` (strings for every field and sentence) costs more than the
//! rules themselves, so hot paths read the [`Outcome`] and materialise only
//! what they need.

use chrono::NaiveDate;

use crate::decision::{
    Classification, Decision, Rectification, Response, Responsibility, Risk, Standardisation,
    Targets,
};
use crate::error::{Error, InputError};
use crate::evaluate::Section;
use crate::in_force::Day;
use crate::input::Input;
use crate::plan::eval::{Ev, Fault, Scratch, Stop, MAX_DEPTH};
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
    /// The results in the output types, once read (see `Outcome::settle`).
    sections: Option<Box<Sections>>,
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
    standardisation: Option<V>,
    targets: Option<V>,
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
                Rec::Version { table, .. } => {
                    let tb = &p.plan.tables[table as usize];
                    tb.version.as_ref().map_or(&*tb.name, |v| &*v.of)
                }
                Rec::Entry(i) => p.s.entries[i as usize].id.as_str(),
            })
        });
        decided.chain(planned)
    }

    /// The owned decision, with the trace written as the mode asks.
    pub fn to_decision(mut self) -> Result<Decision, Error> {
        self.settle()?;
        match self.inner {
            Inner::Decided(d) => Ok(*d),
            Inner::Plan(p) => {
                let sections = *p.sections.expect("settled");
                let trace = match p.mode {
                    TraceMode::Off => Vec::new(),
                    mode => trace::render(p.plan, p.s, mode),
                };
                Ok(Decision {
                    id: p.input.id.clone(),
                    as_of: p.as_of,
                    ruleset: p.rules.chain_refs(),
                    in_force: p
                        .s
                        .applied
                        .iter()
                        .map(|&(t, day)| p.plan.tables[t as usize].applied(day))
                        .collect(),
                    classification: sections.classification,
                    rectification: sections.rectification,
                    responsibility: sections.responsibility,
                    response: sections.response,
                    risk: sections.risk,
                    standardisation: sections.standardisation,
                    targets: sections.targets,
                    trace,
                })
            }
        }
    }

    /// The decision as something to serialise: the same JSON, byte for
    /// byte, as `serde_json::to_string(&outcome.to_decision()?)`, written
    /// from the outcome (the trace straight from its records, no owned
    /// entries). What the `ffi` and the CLI write.
    ///
    /// ```
    /// use hazard_rules::{Input, Ruleset, Section, TraceMode};
    /// let rs = Ruleset::default();
    /// let mut ev = rs.evaluator();
    /// let input = Input::from_json(r#"{"accident": {"deaths": 3}}"#).unwrap();
    /// let as_of = "2024-06-30".parse().unwrap();
    /// let mut out = ev.run(&input, as_of, &Section::ALL, TraceMode::Full).unwrap();
    /// let text = serde_json::to_string(&out.json().unwrap()).unwrap();
    /// let owned = rs.evaluate(&input, as_of).unwrap();
    /// assert_eq!(text, serde_json::to_string(&owned).unwrap());
    /// ```
    pub fn json(&mut self) -> Result<DecisionJson<'_>, Error> {
        self.settle()?;
        Ok(match &mut self.inner {
            Inner::Decided(d) => DecisionJson(Json::Decided(d)),
            Inner::Plan(p) => {
                if p.mode != TraceMode::Off {
                    trace::prepare(p.plan, p.s, p.mode);
                }
                let sections = p.sections.as_ref().expect("settled");
                DecisionJson(Json::Plan(PlanJson {
                    id: &p.input.id,
                    as_of: p.as_of,
                    ruleset: ChainView(p.rules),
                    in_force: AppliedView(p.plan, &p.s.applied),
                    classification: &sections.classification,
                    rectification: &sections.rectification,
                    responsibility: &sections.responsibility,
                    response: &sections.response,
                    risk: &sections.risk,
                    standardisation: &sections.standardisation,
                    targets: &sections.targets,
                    trace: trace::TraceView {
                        p: p.plan,
                        s: p.s,
                        mode: p.mode,
                    },
                }))
            }
        })
    }

    /// Reads the sections' results into the output types, once. A result
    /// the output types reject is answered by the interpreter (which says
    /// how it is wrong), and the outcome becomes its decision.
    fn settle(&mut self) -> Result<(), Error> {
        let Inner::Plan(p) = &mut self.inner else {
            return Ok(());
        };
        if p.sections.is_some() {
            return Ok(());
        }
        if let Some(sections) = read_sections(p.plan, p.s, &p.r, p.wanted) {
            p.sections = Some(Box::new(sections));
            return Ok(());
        }
        let (rules, input, as_of, mode) = (p.rules, p.input, p.as_of, p.mode);
        let wanted: Vec<Section> = Section::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| p.wanted & (1 << i) != 0)
            .map(|(_, s)| s)
            .collect();
        let d = fallback(rules, input, as_of, &wanted, mode, "", None)?;
        self.inner = Inner::Decided(Box::new(d));
        Ok(())
    }
}

/// The sections of a decision, in the output types.
struct Sections {
    classification: Option<Classification>,
    rectification: Option<Rectification>,
    responsibility: Option<Responsibility>,
    response: Option<Response>,
    risk: Option<Risk>,
    standardisation: Option<Standardisation>,
    targets: Option<Targets>,
}

fn read_sections(plan: &Plan, s: &mut Scratch, r: &Results, wanted: u8) -> Option<Sections> {
    fn read<T: serde::de::DeserializeOwned>(
        plan: &Plan,
        s: &mut Scratch,
        v: Option<V>,
    ) -> Option<Option<T>> {
        match v {
            // Read recursively: a value nested too deep is the
            // interpreter's to answer (on a stack of its own).
            Some(v) if Ev::new(plan, s).deeper_than(v, MAX_DEPTH) => None,
            Some(v) => output::read(plan, s, v).ok().map(Some),
            None => Some(None),
        }
    }
    let classification = match wanted & 1 {
        0 => None,
        _ => read(plan, s, r.classification)?,
    };
    let mut responsibility: Option<Responsibility> = read(plan, s, r.assignment)?;
    if let Some(staffing) = read(plan, s, r.staffing)? {
        Responsibility::set_staffing(&mut responsibility, staffing);
    }
    let response = match r.response {
        true => Some(Response {
            accident: read(plan, s, r.accident)?,
            warning: read(plan, s, r.warning)?,
        }),
        false => None,
    };
    Some(Sections {
        classification,
        rectification: read(plan, s, r.rectification)?,
        responsibility,
        response,
        risk: read(plan, s, r.risk)?,
        standardisation: read(plan, s, r.standardisation)?,
        targets: read(plan, s, r.targets)?,
    })
}

/// See [`Outcome::json`]: serialises as the [`Decision`] it stands for.
pub struct DecisionJson<'a>(Json<'a>);

enum Json<'a> {
    Decided(&'a Decision),
    Plan(PlanJson<'a>),
}

impl serde::Serialize for DecisionJson<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Json::Decided(d) => d.serialize(ser),
            Json::Plan(p) => p.serialize(ser),
        }
    }
}

/// [`Decision`]'s fields, in its order, borrowed.
#[derive(serde::Serialize)]
struct PlanJson<'a> {
    id: &'a Option<String>,
    as_of: NaiveDate,
    ruleset: ChainView<'a>,
    in_force: AppliedView<'a>,
    classification: &'a Option<Classification>,
    rectification: &'a Option<Rectification>,
    responsibility: &'a Option<Responsibility>,
    response: &'a Option<Response>,
    risk: &'a Option<Risk>,
    standardisation: &'a Option<Standardisation>,
    targets: &'a Option<Targets>,
    trace: trace::TraceView<'a>,
}

/// The versions applied, as [`Decision::in_force`] serialises them.
struct AppliedView<'a>(&'a Plan, &'a [(u16, Day)]);

impl serde::Serialize for AppliedView<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(
            self.1
                .iter()
                .map(|&(t, day)| self.0.tables[t as usize].applied(day)),
        )
    }
}

/// The ruleset chain as [`Decision::ruleset`] serialises it.
struct ChainView<'a>(&'a Ruleset);

impl serde::Serialize for ChainView<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Ref<'a> {
            id: &'a str,
            version: &'a str,
        }
        ser.collect_seq(self.0.manifests().iter().map(|m| Ref {
            id: &m.id,
            version: &m.version,
        }))
    }
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

/// Decides `input` with this thread's scratch and hands `f` the decision's
/// JSON view (see [`Outcome::json`]): the `ffi`'s path, with no owned decision.
pub(crate) fn with_json<T>(
    rules: &Ruleset,
    input: &Input,
    as_of: NaiveDate,
    sections: &[Section],
    mode: TraceMode,
    f: impl FnOnce(Result<DecisionJson<'_>, Error>) -> T,
) -> T {
    with_scratch(|s| match run(rules, s, input, as_of, sections, mode) {
        Ok(mut outcome) => f(outcome.json()),
        Err(e) => f(Err(e)),
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
        Some(Fault::Other(msg)) => Error::Ruleset(
            RulesetError::in_file("<compiled plan>", format!("rule `{entry}` failed: {msg}"))
                .with_zh(format!(
                    "规则 `{entry}` 执行失败：{}{msg}",
                    crate::error::UNTRANSLATED
                )),
        ),
        None if entry.is_empty() => Error::Ruleset(
            RulesetError::in_file(
                "<compiled plan>",
                "a rule returned a result that does not fit the decision's types",
            )
            .with_zh("某条规则返回的结果不符合判定结果的类型"),
        ),
        None => Error::Ruleset(
            RulesetError::in_file(
                "<compiled plan>",
                format!("rule `{entry}` returned an invalid result"),
            )
            .with_zh(format!("规则 `{entry}` 返回的结果无效")),
        ),
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
        return Ok(decided(fallback(
            rules, input, as_of, wanted, mode, "", None,
        )?));
    };
    input.validate()?;
    input.validate_as_of(as_of)?;
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
                sections: None,
            }),
        }),
        Err(Early::Input(e)) => Err(Error::Input(e)),
        Err(Early::Interpret(entry, fault)) => Ok(decided(fallback(
            rules, input, as_of, wanted, mode, &entry, fault,
        )?)),
    }
}

/// The interpreter's decision where the plan gives none; without an
/// interpreter (a ruleset read from a precompiled plan, or a build without
/// the `scripted` feature), the plan's own account of why.
fn fallback(
    rules: &Ruleset,
    input: &Input,
    as_of: NaiveDate,
    wanted: &[Section],
    mode: TraceMode,
    entry: &str,
    fault: Option<Fault>,
) -> Result<Decision, Error> {
    #[cfg(feature = "scripted")]
    if rules.rules.is_some() {
        return rules.interpreted(input, as_of, wanted, mode);
    }
    #[cfg(not(feature = "scripted"))]
    let _ = (rules, input, as_of, wanted, mode);
    Err(plan_error(entry, fault))
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
    let day = |entry: &str| Day::for_entry(entry, input, as_of);
    let k = plan.frame();
    let mut r = Results::default();
    if let Some(h) = &input.hazard {
        if want(Section::Classification)
            || want(Section::Rectification)
            || want(Section::Responsibility)
        {
            let hazard = frame::hazard(s, &k, h);
            let cls = entry(rules, plan, s, "classify", &[hazard], day("classify"))?;
            r.classification = Some(cls);
            if want(Section::Rectification) {
                r.rectification = Some(entry(
                    rules,
                    plan,
                    s,
                    "rectify",
                    &[hazard, cls, as_of_v],
                    day("rectify"),
                )?);
            }
            if want(Section::Responsibility) {
                r.assignment = Some(entry(
                    rules,
                    plan,
                    s,
                    "assign",
                    &[hazard, cls],
                    day("assign"),
                )?);
            }
        }
    }
    if let (Some(t), true) = (&input.township, want(Section::Responsibility)) {
        let t = frame::township(s, &k, t);
        r.staffing = Some(entry(
            rules,
            plan,
            s,
            "check_staffing",
            &[t],
            day("check_staffing"),
        )?);
    }
    if want(Section::Response) && (input.accident.is_some() || input.warning.is_some()) {
        r.response = true;
        if let Some(a) = &input.accident {
            let a = frame::accident(s, &k, a);
            r.accident = Some(entry(
                rules,
                plan,
                s,
                "grade_accident",
                &[a, as_of_v],
                day("grade_accident"),
            )?);
        }
        if let Some(w) = &input.warning {
            let w = frame::warning(s, &k, w);
            r.warning = Some(entry(
                rules,
                plan,
                s,
                "respond_to_warning",
                &[w],
                day("respond_to_warning"),
            )?);
        }
    }
    if let (Some(risk), true) = (&input.risk, want(Section::Risk)) {
        let v = frame::risk(s, &k, risk);
        r.risk = Some(entry(
            rules,
            plan,
            s,
            "score_risk",
            &[v],
            day("score_risk"),
        )?);
    }
    if let (Some(c), true) = (&input.checklist, want(Section::Standardisation)) {
        let v = frame::checklist(s, &k, c);
        r.standardisation = Some(entry(
            rules,
            plan,
            s,
            "check_list",
            &[v, as_of_v],
            day("check_list"),
        )?);
    }
    if let (Some(t), true) = (&input.targets, want(Section::Targets)) {
        let v = frame::targets(s, &k, t);
        r.targets = Some(entry(
            rules,
            plan,
            s,
            "assess_targets",
            &[v, as_of_v],
            day("assess_targets"),
        )?);
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
    day: Day,
) -> Result<V, Early> {
    s.day = Some(day);
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
    interpret_entry(rules, plan, s, name, args, day)
}

/// An entry function the plan does not hold, in the interpreter.
#[cfg(not(feature = "scripted"))]
fn interpret_entry(
    _: &Ruleset,
    _: &Plan,
    _: &mut Scratch,
    name: &str,
    _: &[V],
    _: Day,
) -> Result<V, Early> {
    Err(Early::Interpret(name.to_owned(), None))
}

/// An entry function the plan does not hold, in the interpreter.
#[cfg(feature = "scripted")]
fn interpret_entry(
    rules: &Ruleset,
    plan: &Plan,
    s: &mut Scratch,
    name: &str,
    args: &[V],
    day: Day,
) -> Result<V, Early> {
    let ev = Ev::new(plan, s);
    if args.iter().any(|a| ev.deeper_than(*a, MAX_DEPTH)) {
        return Err(Early::Interpret(name.to_owned(), None));
    }
    let args: Vec<rhai::Dynamic> = args.iter().map(|a| ev.to_dynamic(*a)).collect();
    let (value, entries, applied) = rules
        .call_interpreted(name, args, day)
        .map_err(|_| Early::Interpret(name.to_owned(), None))?;
    for e in entries {
        s.entries.push(e);
        s.trace.push(Rec::Entry(s.entries.len() as u32 - 1));
    }
    // The versions the interpreter applied, as the plan's tables.
    for a in applied {
        let t = plan.tables.iter().position(|t| {
            t.version
                .as_ref()
                .is_some_and(|v| *v.of == a.table && *v.label == a.version)
        });
        if let Some(t) = t {
            if !s.applied.contains(&(t as u16, day)) {
                s.applied.push((t as u16, day));
            }
        }
    }
    Ok(Ev::new(plan, s).take_dynamic(&value))
}
