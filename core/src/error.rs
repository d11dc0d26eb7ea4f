//! Error types. Each kind says exactly where the problem is, so a form can
//! highlight a field and a ruleset author can jump to a line.
//!
//! Every error has an English and a Chinese message. `message` is the English
//! one (unchanged from earlier releases); `message_zh` is the Chinese one.
//! Input errors are worded in Chinese per [`InputError::problem`]. A ruleset
//! error whose detail comes from a third-party parser (TOML, Rhai) gets a
//! Chinese frame (file, line, column) around the parser's own detail, which
//! is given as is and marked `（英文原文）`: it is not translated.

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

    /// The whole message in Chinese, with its location: the counterpart of
    /// the English `to_string()`.
    ///
    /// ```
    /// use hazard_rules::{Error, InputError};
    /// let e = Error::Input(InputError::of("accident.deaths", "negative", "must not be negative, got -1", "不能为负数（填写的是 -1）"));
    /// assert_eq!(e.to_string(), "invalid input at `accident.deaths`: must not be negative, got -1");
    /// assert_eq!(e.message_zh(), "输入有误（accident.deaths）：不能为负数（填写的是 -1）");
    /// ```
    pub fn message_zh(&self) -> String {
        match self {
            Error::Input(e) => e.message_zh_full(),
            Error::Ruleset(e) => e.message_zh_full(),
            Error::Limit(e) => e.message_zh(),
        }
    }
}

/// What the Chinese text of an error says where no Chinese wording was
/// given: the English text follows as is, marked as such.
pub const UNTRANSLATED: &str = "（英文原文）";

/// Bad input: `path` is a JSON path such as `hazard.events[2].on`; `problem`
/// a stable machine code for the reason (`not_a_date`, `unknown_item`,
/// `out_of_range` …, listed in the README); `message` the reason in English,
/// `message_zh` in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("invalid input at `{path}`: {message}")]
pub struct InputError {
    pub path: String,
    pub problem: String,
    pub message: String,
    pub message_zh: String,
}

impl InputError {
    /// An input error with an English reason only: its `problem` is
    /// `invalid` and its Chinese text is the English one marked
    /// [`UNTRANSLATED`]. The core's own checks use [`InputError::of`].
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            path: path.into(),
            problem: "invalid".to_owned(),
            message_zh: format!("{UNTRANSLATED}{message}"),
            message,
        }
    }

    /// An input error with its machine code and both wordings.
    pub fn of(
        path: impl Into<String>,
        problem: impl Into<String>,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            problem: problem.into(),
            message: message.into(),
            message_zh: message_zh.into(),
        }
    }

    /// The Chinese message with its location, as `to_string()` is the English one.
    pub fn message_zh_full(&self) -> String {
        if self.path.is_empty() {
            format!("输入有误：{}", self.message_zh)
        } else {
            format!("输入有误（{}）：{}", self.path, self.message_zh)
        }
    }
}

/// A ruleset problem, located by file and (where known) line and column.
/// Lines and columns are 1-based; 0 means "not known" (e.g. a missing file).
/// `message_zh` is the Chinese reason where the engine words it, else the
/// English detail as is after [`UNTRANSLATED`] (a parser's detail).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RulesetError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub message_zh: String,
}

impl RulesetError {
    pub fn new(
        file: impl Into<String>,
        line: usize,
        column: usize,
        msg: impl Into<String>,
    ) -> Self {
        let message = msg.into();
        Self {
            file: file.into(),
            line,
            column,
            message_zh: format!("{UNTRANSLATED}{message}"),
            message,
        }
    }

    /// An error that concerns a whole file rather than a position in it.
    pub fn in_file(file: impl Into<String>, msg: impl Into<String>) -> Self {
        Self::new(file, 0, 0, msg)
    }

    /// The same error with a Chinese reason of its own.
    pub fn with_zh(mut self, message_zh: impl Into<String>) -> Self {
        self.message_zh = message_zh.into();
        self
    }

    /// The Chinese message in its frame: `规则集有误：文件 F，第 L 行，第 C 列：reason`.
    ///
    /// ```
    /// use hazard_rules::RulesetError;
    /// let e = RulesetError::new("national/tables/sectors.toml", 3, 7, "expected `=`");
    /// assert_eq!(e.message_zh_full(), "规则集有误：文件 national/tables/sectors.toml，第 3 行，第 7 列：（英文原文）expected `=`");
    /// ```
    pub fn message_zh_full(&self) -> String {
        let at = match (self.line, self.column) {
            (0, _) => String::new(),
            (l, 0) => format!("，第 {l} 行"),
            (l, c) => format!("，第 {l} 行，第 {c} 列"),
        };
        format!("规则集有误：文件 {}{at}：{}", self.file, self.message_zh)
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

impl LimitError {
    /// The limit in Chinese (the engine's limits are a fixed set).
    pub fn limit_zh(&self) -> String {
        let l = self.limit.as_str();
        match l {
            "too many operations" => "运算步数超过上限".to_owned(),
            "call depth exceeded" => "函数调用层数超过上限".to_owned(),
            "too many variables" => "变量个数超过上限".to_owned(),
            _ => match l.strip_suffix(" too large") {
                Some(what) => format!("{what} 的大小超过上限"),
                None => format!("{UNTRANSLATED}{l}"),
            },
        }
    }

    /// The Chinese message, as `to_string()` is the English one.
    pub fn message_zh(&self) -> String {
        format!(
            "规则 `{}` 被中止：{}（位置 {}{}）",
            self.rule,
            self.limit_zh(),
            self.file,
            at(self.line, self.column)
        )
    }
}

fn at(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
