//! Error types. Each kind says exactly where the problem is, so a form can
//! highlight a field and a ruleset author can jump to a line.

use serde::Serialize;

/// Anything that can go wrong while loading a ruleset or evaluating an input.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Error {
    /// The input is malformed or inconsistent.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The ruleset could not be loaded, or one of its rules misbehaved.
    #[error(transparent)]
    Ruleset(#[from] RulesetError),
    /// A rule ran past a sandbox limit (operations, call depth, sizes).
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl Error {
    /// A stable machine-readable code, the same in every binding.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Input(_) => "input",
            Error::Ruleset(_) => "ruleset",
            Error::Limit(_) => "limit",
        }
    }
}

/// Bad input: `path` is a JSON path such as `hazard.events[2].on`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("invalid input at `{path}`: {message}")]
pub struct InputError {
    pub path: String,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A ruleset problem, located by file and (where known) line and column.
/// Lines and columns are 1-based; 0 means "not known" (e.g. a missing file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RulesetError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl RulesetError {
    pub fn new(
        file: impl Into<String>,
        line: usize,
        column: usize,
        msg: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column,
            message: msg.into(),
        }
    }

    /// An error that concerns a whole file rather than a position in it.
    pub fn in_file(file: impl Into<String>, msg: impl Into<String>) -> Self {
        Self::new(file, 0, 0, msg)
    }
}

/// A rule hit a sandbox limit; `rule` is the entry function that was running.
/// `line` and `column` are 0 where Rhai does not say (the operations limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("rule `{rule}` stopped: {limit} (in {file}{})", at(*line, *column))]
pub struct LimitError {
    pub rule: String,
    pub limit: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

fn at(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
