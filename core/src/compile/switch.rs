//! The literals of `switch` cases. Rhai's AST keeps a case only as the hash
//! of its value, so the compiler collects the literals a rule file spells
//! out and lets Rhai hash them in a throwaway `switch` of its own; a case
//! whose hash matches none of them stays interpreted.

use std::collections::HashMap;

use rhai::{Expr, Stmt};

use crate::plan::{Consts, V};

/// Hash → value for every plain string and integer literal in `text`.
pub(crate) fn literal_hashes(text: &str, consts: &mut Consts) -> HashMap<u64, V> {
    let mut strings: Vec<&str> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' && b[j] != b'\\' && b[j] != b'\n' {
                    j += 1;
                }
                if j < b.len() && b[j] == b'"' {
                    strings.push(&text[start..j]);
                }
                i = j + 1;
            }
            c if c.is_ascii_digit()
                && (i == 0
                    || !(b[i - 1].is_ascii_alphanumeric()
                        || b[i - 1] == b'_'
                        || b[i - 1] == b'.')) =>
            {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i >= b.len() || !(b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                    if let Ok(n) = text[start..i].parse() {
                        ints.push(n);
                    }
                }
            }
            _ => i += 1,
        }
    }
    strings.sort_unstable();
    strings.dedup();
    ints.sort_unstable();
    ints.dedup();
    // Every candidate as a case of one switch, numbered by its position.
    let mut script = String::from("switch __x {");
    let mut values = Vec::new();
    for s in &strings {
        script.push_str(&format!("\"{s}\" => {},", values.len()));
        values.push(Some(*s));
    }
    for n in &ints {
        script.push_str(&format!("{n} => {},", values.len()));
        values.push(None);
    }
    script.push('}');
    let mut out = HashMap::new();
    // Interned in the order written, not in Rhai's hash order.
    let syms: Vec<u32> = strings.iter().map(|s| consts.sym(s)).collect();
    let engine = rhai::Engine::new_raw();
    let Ok(ast) = engine.compile(&script) else {
        return out;
    };
    if let Some(Stmt::Switch(x, _)) = ast.statements().first() {
        let cases = &x.1;
        for (hash, list) in cases.cases.iter() {
            let Some(&b) = list.blocks.first() else {
                continue;
            };
            let k = match &cases.expressions[b].rhs {
                Expr::IntegerConstant(k, _) => *k,
                Expr::Stmt(block) => match block.statements() {
                    [Stmt::Expr(e)] => match **e {
                        Expr::IntegerConstant(k, _) => k,
                        _ => continue,
                    },
                    _ => continue,
                },
                _ => continue,
            };
            let k = k as usize;
            let value = match values.get(k) {
                Some(Some(_)) => V::sym(syms[k]),
                Some(None) => V::Int(ints[k - strings.len()]),
                None => continue,
            };
            out.insert(*hash, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_literals_of_a_switch() {
        let text = r#"fn f(x) { switch x { "always" => 1, "never" => 2, 7 => 3, _ => 4 } }"#;
        let mut consts = Consts::default();
        let found = literal_hashes(text, &mut consts);
        let always = V::sym(consts.sym("always"));
        let never = V::sym(consts.sym("never"));
        for v in [always, never, V::Int(7)] {
            assert!(found.values().any(|x| *x == v), "{v:?} in {found:?}");
        }
        // Numbers and texts hash differently, as in Rhai's switch.
        assert_eq!(found.len(), 7, "two texts and five numbers: {found:?}");
    }
}
