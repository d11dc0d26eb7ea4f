//! The test-case assertions (`expect_null`, `not_fired`, `fired` by row,
//! `error`): each passes when it should and fails when it should.

use hazard_rules::cases::Case;
use hazard_rules::Ruleset;

fn national() -> Ruleset {
    Ruleset::embedded("national").unwrap()
}

/// Runs one case written in TOML; its failures.
fn run(toml: &str) -> Vec<String> {
    let cases = Case::parse_toml("t.toml", toml).unwrap();
    assert_eq!(cases.len(), 1);
    cases[0].run(&national()).failures
}

/// A hazard without an accident or warning: `response` is null; found 2024-06-01,
/// not listed, not closed: `rectification.closed_on` is null.
const HAZARD: &str = r#"
[case.input.hazard]
sector = "metallurgy"
found_on = "2024-06-01"
"#;

#[test]
fn expect_null_passes_on_null_and_fails_otherwise() {
    let ok = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nexpect_null = [\"response\", \"risk\", \"rectification.closed_on\"]\n{HAZARD}"
    );
    assert_eq!(run(&ok), Vec::<String>::new());

    // `rectification` has a value: the assertion fails and says what it got.
    let bad = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nexpect_null = [\"rectification\"]\n{HAZARD}"
    );
    let f = run(&bad);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("rectification: expected null, got {"),
        "{f:?}"
    );

    // A misspelt field is not silently null.
    let typo = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nexpect_null = [\"rectification.close_on\"]\n{HAZARD}"
    );
    let f = run(&typo);
    assert_eq!(
        f,
        ["rectification.close_on: expected null, rectification has no field `close_on`"]
    );

    // Under a null parent.
    let under = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nexpect_null = [\"response.level\"]\n{HAZARD}"
    );
    assert_eq!(
        run(&under),
        ["response.level: expected null, response is null, not an object"]
    );

    // Indices: the first assignment's `acting_for` is null (no AB post given).
    let index = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nexpect_null = [\"responsibility.assignments[0].acting_for\"]\n{HAZARD}"
    );
    assert_eq!(run(&index), Vec::<String>::new());
    let past = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nexpect_null = [\"responsibility.assignments[99].person\"]\n{HAZARD}"
    );
    assert_eq!(
        run(&past),
        ["responsibility.assignments[99].person: expected null, responsibility.assignments has no element [99]"]
    );
}

#[test]
fn not_fired_passes_when_absent_and_fails_when_present() {
    // Found 2024-06-01, not listed: the general period applies, listing does not.
    let ok = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nfired = [\"rectification.general_period\"]\nnot_fired = [\"rectification.listed_period\", \"listing_periods\"]\n{HAZARD}"
    );
    assert_eq!(run(&ok), Vec::<String>::new());
    let bad = format!(
        "[[case]]\nname = \"n\"\nas_of = \"2024-06-30\"\nnot_fired = [\"rectification.general_period\"]\n{HAZARD}"
    );
    assert_eq!(
        run(&bad),
        ["expected `rectification.general_period` not to fire; it did"]
    );
}

#[test]
fn fired_and_not_fired_name_one_row() {
    // Three deaths: 3 ≤ deaths < 10 is row 3 of accident_deaths (较大事故), not row 4.
    let accident = r#"
[case.input.accident]
kind = "production"
deaths = 3
"#;
    let ok = format!(
        "[[case]]\nname = \"a\"\nas_of = \"2024-06-30\"\nfired = [\"accident_deaths[3]\"]\nnot_fired = [\"accident_deaths[4]\"]\n{accident}"
    );
    assert_eq!(run(&ok), Vec::<String>::new());
    let bad = format!(
        "[[case]]\nname = \"a\"\nas_of = \"2024-06-30\"\nfired = [\"accident_deaths[4]\"]\nnot_fired = [\"accident_deaths[3]\"]\n{accident}"
    );
    assert_eq!(
        run(&bad),
        [
            "expected `accident_deaths[4]` to fire; it did not",
            "expected `accident_deaths[3]` not to fire; it did"
        ]
    );
}

const BAD_SECTOR: &str = r#"
[case.input.hazard]
sector = "metalurgy"
found_on = "2024-06-01"
"#;

#[test]
fn errors_are_matched_by_kind_and_path_exactly() {
    let case = |error: &str| {
        format!("[[case]]\nname = \"e\"\nas_of = \"2024-06-30\"\nerror = {error}\n{BAD_SECTOR}")
    };
    assert_eq!(
        run(&case(r#"{ kind = "input", path = "hazard.sector" }"#)),
        Vec::<String>::new()
    );
    assert_eq!(
        run(&case(
            r#"{ kind = "input", path = "hazard.sector", message = "did you mean" }"#
        )),
        Vec::<String>::new()
    );
    // A wrong path, a path that only starts alike, a wrong kind, a wrong message.
    assert_eq!(
        run(&case(r#"{ kind = "input", path = "hazard.items" }"#)),
        [r#"error.path: expected "hazard.items", got "hazard.sector""#]
    );
    assert_eq!(
        run(&case(r#"{ kind = "input", path = "hazard" }"#)),
        [r#"error.path: expected "hazard", got "hazard.sector""#]
    );
    let f = run(&case(r#"{ kind = "ruleset", path = "hazard.sector" }"#));
    assert!(
        f.contains(&r#"error.kind: expected "ruleset", got "input""#.to_owned()),
        "{f:?}"
    );
    let f = run(&case(
        r#"{ kind = "input", path = "hazard.sector", message = "no such" }"#,
    ));
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("does not contain `no such`"), "{f:?}");
    // Expecting an error and getting a decision fails.
    let f = run(&format!(
        "[[case]]\nname = \"e\"\nas_of = \"2024-06-30\"\nerror = {{ kind = \"input\", path = \"hazard.sector\" }}\n{HAZARD}"
    ));
    assert_eq!(f.len(), 1);
    assert!(f[0].starts_with("expected an error"), "{f:?}");
}

#[test]
fn an_error_expectation_needs_kind_and_an_input_error_its_path() {
    let parse = |error: &str| {
        Case::parse_toml(
            "t.toml",
            &format!(
                "[[case]]\nname = \"e\"\nas_of = \"2024-06-30\"\nerror = {error}\n{BAD_SECTOR}"
            ),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    assert!(parse(r#"{ kind = "input", path = "hazard.sector" }"#).is_ok());
    assert!(parse(r#"{ kind = "ruleset", file = "rules/x.rhai" }"#).is_ok());
    let e = parse(r#"{ path = "hazard.sector" }"#).unwrap_err();
    assert!(e.contains("case \"e\": `error` needs `kind`"), "{e}");
    let e = parse(r#"{ kind = "input", message = "unknown" }"#).unwrap_err();
    assert!(e.contains("an `input` error needs `path`"), "{e}");
    let e = parse(r#"{ kind = "inptu", path = "hazard.sector" }"#).unwrap_err();
    assert!(e.contains("unknown error kind"), "{e}");
}
