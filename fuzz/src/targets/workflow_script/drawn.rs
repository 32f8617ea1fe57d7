//! Conditions and scripts drawn from a grammar of the script language:
//! statements (`let`, `const`, functions, `if`, loops, `switch`,
//! `try`/`catch`, `throw`, `return`), expressions nested past the
//! sandbox's depth, every function a script may call with the right and
//! wrong numbers of arguments, methods, closures, `Fn`/`call`/`curry`,
//! maps, arrays, ranges, strings with escapes and interpolations inside
//! interpolations, comments inside comments, and what is refused (`eval`,
//! `import`, names the language keeps).

use arbitrary::{Result, Unstructured};

use super::SCRIPT;

/// Functions a script may call (the host's and the language's) with
/// their number of arguments, and names nothing defines.
const FUNCTIONS: &[(&str, usize)] = &[
    ("today", 0),
    ("now", 0),
    ("add_days", 2),
    ("add_months", 2),
    ("add_business_days", 2),
    ("days_between", 2),
    ("weekday", 1),
    ("date_of", 1),
    ("get_case", 1),
    ("get_applicant", 1),
    ("cases", 1),
    ("files", 1),
    ("people", 0),
    ("update", 2),
    ("create_case", 1),
    ("add_note", 2),
    ("send_email", 3),
    ("link", 1),
    ("action", 3),
    ("log", 1),
    ("print", 1),
    ("debug", 1),
    ("type_of", 1),
    ("is_def_var", 1),
    ("parse_int", 1),
    ("to_string", 1),
    ("frobnicate", 1),
];
const METHODS: &[&str] = &[
    "len",
    "push",
    "pop",
    "sub_string",
    "contains",
    "keys",
    "values",
    "to_upper",
    "split",
    "map",
    "filter",
    "reduce",
    "sort",
    "call",
    "curry",
    "is_empty",
    "get",
    "index_of",
    "pad",
];
/// The names a script has (declared by the drawn script's first lines)
/// and a condition has.
const SCRIPT_NAMES: &[&str] = &["event", "record", "workflow", "x", "y"];
const CONDITION_NAMES: &[&str] = &["event", "record", "workflow"];
const FUNCTION_NAMES: &[&str] = &["a", "b"];
/// Statements a workflow may not hold.
const REFUSED: &[&str] = &["import \"h\" as h;", "export x;", "eval(\"1\");", "#!x\n"];
/// Names a script may not use where they are drawn.
const UNDEFINED: &[&str] = &["nobody", "this", "global::x", "this.x"];
const LITERALS: &[&str] = &[
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5e308",
    "0x7f",
    "0b1010",
    "1_000",
    "true",
    "()",
    "\"\"",
    "\"caf\\u00e9\"",
    "\"\\u00e9\\U0001F600\"",
    "\"tab\\tnew\\nline\"",
    "'c'",
    "'\\x41'",
    "\"2026-03-09\"",
    "\"submitted\"",
];
const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "&", "|", "^", "<<", ">>",
    "..", "..=", "in", "??",
];

/// A whole input of the `workflow-script` target: a condition and a
/// script.
pub fn sources(bytes: &[u8]) -> Vec<u8> {
    let mut condition = String::new();
    let mut script = String::new();
    let mut d = Draft {
        u: Unstructured::new(bytes),
        names: CONDITION_NAMES,
    };
    if d.u.ratio(1, 2).unwrap_or(false) {
        let _ = expression(&mut d, 0, &mut condition);
    }
    d.names = SCRIPT_NAMES;
    // Most scripts declare the names their statements use.
    if d.u.ratio(15, 16).unwrap_or(true) {
        script.push_str("let x = 1;\nlet y = [];\n");
    }
    let count = d.u.int_in_range(1..=12).unwrap_or(1);
    for _ in 0..count {
        if statement(&mut d, 0, &mut script).is_err() {
            break;
        }
        script.push('\n');
    }
    format!("{condition}{SCRIPT}{script}").into_bytes()
}

/// The random bytes being drawn from, and the names the part being
/// written has.
struct Draft<'a> {
    u: Unstructured<'a>,
    names: &'static [&'static str],
}

impl Draft<'_> {
    /// A name the part has, and now and then one it does not.
    fn name(&mut self) -> Result<&'static str> {
        if self.u.ratio(1, 256)? {
            return self.u.choose(UNDEFINED).copied();
        }
        self.u.choose(self.names).copied()
    }
}

fn statement(d: &mut Draft, depth: usize, out: &mut String) -> Result<()> {
    if depth > 12 {
        return expression(d, depth, out);
    }
    match d.u.int_in_range(0..=17)? {
        0..=3 => {
            out.push_str(if d.u.ratio(1, 4)? { "const " } else { "let " });
            out.push_str(d.u.choose(&["x", "y", "z", "event"])?);
            out.push_str(" = ");
            expression(d, depth + 1, out)?;
            out.push(';');
        }
        4 if depth == 0 => {
            out.push_str("fn f");
            out.push_str(&d.u.int_in_range(0..=3u8)?.to_string());
            out.push_str("(a, b) ");
            // A function sees its parameters, not the script's names.
            let names = std::mem::replace(&mut d.names, FUNCTION_NAMES);
            let body = block(d, depth + 1, out);
            d.names = names;
            body?;
        }
        5 => {
            out.push_str("if ");
            test(d, depth + 1, out)?;
            block(d, depth + 1, out)?;
            if d.u.ratio(1, 2)? {
                out.push_str(" else ");
                block(d, depth + 1, out)?;
            }
        }
        6 => {
            out.push_str("for (p, i) in ");
            expression(d, depth + 1, out)?;
            block(d, depth + 1, out)?;
        }
        7 => {
            let kind = d.u.int_in_range(0..=2)?;
            out.push_str(["while ", "do ", "loop "][kind]);
            if kind == 0 {
                test(d, depth + 1, out)?;
            }
            block(d, depth + 1, out)?;
            if kind == 1 {
                out.push_str(" until ");
                test(d, depth + 1, out)?;
                out.push(';');
            }
        }
        8 => {
            out.push_str("switch ");
            expression(d, depth + 1, out)?;
            out.push_str(" { 1 => ");
            expression(d, depth + 1, out)?;
            out.push_str(", \"a\" | \"b\" if x > 0 => (), _ => ");
            expression(d, depth + 1, out)?;
            out.push_str(" }");
        }
        9 => {
            out.push_str("try ");
            block(d, depth + 1, out)?;
            out.push_str(" catch (e) ");
            block(d, depth + 1, out)?;
        }
        10 => {
            out.push_str(
                ["throw ", "return ", "throw ", "return ", "break "][d.u.int_in_range(0..=4)?],
            );
            expression(d, depth + 1, out)?;
            out.push(';');
        }
        11 if d.u.ratio(1, 6)? => out.push_str(d.u.choose(REFUSED)?),
        11 => out.push_str(d.u.choose(&[
            "/* a /* nested */ comment */",
            "// a line\n",
            "/** a doc\n comment */",
            ";",
        ])?),
        _ => {
            expression(d, depth + 1, out)?;
            out.push(';');
        }
    }
    Ok(())
}

/// A comparison, as `if`, `while` and `until` take.
fn test(d: &mut Draft, depth: usize, out: &mut String) -> Result<()> {
    expression(d, depth, out)?;
    out.push_str(d.u.choose(&[" == ", " != ", " < ", " >= ", " in "])?);
    expression(d, depth, out)
}

fn block(d: &mut Draft, depth: usize, out: &mut String) -> Result<()> {
    out.push_str(" { ");
    for _ in 0..d.u.int_in_range(0..=3)? {
        statement(d, depth, out)?;
        out.push(' ');
    }
    out.push('}');
    Ok(())
}

fn expression(d: &mut Draft, depth: usize, out: &mut String) -> Result<()> {
    // Past the sandbox's expression depth (64) now and then.
    if depth > 80 || (depth > 6 && d.u.ratio(3, 4)?) {
        return atom(d, out);
    }
    match d.u.int_in_range(0..=14)? {
        0..=2 => atom(d, out)?,
        3 | 4 => {
            expression(d, depth + 1, out)?;
            out.push(' ');
            out.push_str(d.u.choose(OPERATORS)?);
            out.push(' ');
            expression(d, depth + 1, out)?;
        }
        5 | 6 => {
            let (name, count) = *d.u.choose(FUNCTIONS)?;
            out.push_str(name);
            let count = if d.u.ratio(3, 4)? {
                count
            } else {
                d.u.int_in_range(0..=4)?
            };
            arguments(d, depth, count, out)?;
        }
        7 => {
            atom(d, out)?;
            out.push_str(if d.u.ratio(1, 4)? { "?." } else { "." });
            out.push_str(d.u.choose(METHODS)?);
            let count = d.u.int_in_range(0..=2)?;
            arguments(d, depth, count, out)?;
        }
        8 => {
            out.push('(');
            expression(d, depth + 1, out)?;
            out.push(')');
        }
        9 => {
            out.push_str("#{");
            for i in 0..d.u.int_in_range(0..=3)? {
                out.push_str(&format!("k{i}: "));
                expression(d, depth + 1, out)?;
                out.push_str(", ");
            }
            out.push('}');
        }
        10 => {
            out.push('[');
            for _ in 0..d.u.int_in_range(0..=3)? {
                expression(d, depth + 1, out)?;
                out.push_str(", ");
            }
            out.push(']');
        }
        11 => {
            out.push_str("|a, b| ");
            expression(d, depth + 1, out)?;
        }
        12 => {
            out.push('`');
            out.push_str("text ${");
            expression(d, depth + 1, out)?;
            out.push_str("} more`");
        }
        13 if d.u.ratio(1, 2)? => {
            out.push_str(["- ", "+ "][d.u.int_in_range(0..=1)?]);
            expression(d, depth + 1, out)?;
        }
        13 => {
            out.push_str("!(");
            test(d, depth + 1, out)?;
            out.push_str(if d.u.ratio(1, 2)? { ") && " } else { ") || " });
            test(d, depth + 1, out)?;
        }
        _ => {
            out.push_str(d.name()?);
            out.push('[');
            expression(d, depth + 1, out)?;
            out.push(']');
        }
    }
    Ok(())
}

/// `count` arguments in parentheses.
fn arguments(d: &mut Draft, depth: usize, count: usize, out: &mut String) -> Result<()> {
    out.push('(');
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        expression(d, depth + 1, out)?;
    }
    out.push(')');
    Ok(())
}

fn atom(d: &mut Draft, out: &mut String) -> Result<()> {
    match d.u.int_in_range(0..=5)? {
        0 | 1 => out.push_str(d.u.choose(LITERALS)?),
        2 | 3 => out.push_str(d.name()?),
        4 => {
            out.push_str(d.u.choose(&["event", "record"])?);
            out.push_str(d.u.choose(&[
                ".payload.to",
                ".folio",
                ".responsible_user_id",
                ".x.y.z",
            ])?);
        }
        _ if d.u.ratio(1, 64)? => out.push_str(d.u.choose(UNDEFINED)?),
        _ => out.push_str(d.u.choose(&["Fn(\"f0\")", "type_of(())", "today().len()"])?),
    }
    Ok(())
}
