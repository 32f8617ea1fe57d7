//! The engine scripts run on: rhai with only its standard packages, no
//! `eval` and no modules (`import` does not parse), and the limits of
//! `Config::workflows`. A script is checked when it is saved: it must
//! compile, and every function it calls must exist with that number of
//! arguments; each refusal names its line and column.

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use rhai::packages::{Package, StandardPackage};
use rhai::{AST, ASTNode, Dynamic, Engine, EvalAltResult, Expr, Position, Stmt};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::WorkflowLimits;

/// Longest condition or script, in bytes.
pub const MAX_SOURCE: usize = 64 * 1024;

static STANDARD: LazyLock<rhai::Shared<rhai::Module>> =
    LazyLock::new(|| StandardPackage::new().as_shared_module());

/// Functions the engine understands itself, with how many arguments.
const KEYWORDS: [(&str, usize); 9] = [
    ("type_of", 1),
    ("print", 1),
    ("debug", 1),
    ("Fn", 1),
    ("is_def_var", 1),
    ("is_def_fn", 2),
    ("is_shared", 1),
    ("curry", usize::MAX),
    ("call", usize::MAX),
];

/// What is wrong with a condition or a script, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// `condition` or `script`.
    pub part: String,
    pub message: String,
    /// From 1; absent when the problem has no place.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(
                f,
                "{}, line {line}, column {column}: {}",
                self.part, self.message
            ),
            _ => write!(f, "{}: {}", self.part, self.message),
        }
    }
}

impl Problem {
    pub fn at(part: &str, message: impl Into<String>, position: Position) -> Problem {
        Problem {
            part: part.to_string(),
            message: message.into(),
            line: position.line(),
            column: position.position(),
        }
    }
}

/// The time a run may last, and the clock the engine checks it against.
#[derive(Clone, Copy)]
pub struct Deadline(pub Instant);

/// A new engine with the limits, without `eval` or imports, and no host
/// functions yet; with `deadline`, it stops past it.
pub fn engine(limits: &WorkflowLimits, deadline: Option<Deadline>) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(STANDARD.clone());
    engine.disable_symbol("eval");
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth);
    engine.set_max_string_size(limits.max_string_bytes);
    engine.set_max_array_size(limits.max_array_items);
    engine.set_max_map_size(limits.max_map_entries);
    engine.set_max_functions(100);
    engine.set_max_variables(1_000);
    engine.set_strict_variables(true);
    if let Some(Deadline(at)) = deadline {
        engine.on_progress(move |ops| {
            (ops % 256 == 0 && Instant::now() > at).then(|| Dynamic::from("deadline"))
        });
    }
    engine
}

/// Compiles `source` as `part` (`condition` as an expression, `script` as
/// statements) with the variables `variables` defined, and checks every
/// function it calls against those `engine` has.
pub fn compile(
    engine: &Engine,
    part: &str,
    source: &str,
    variables: &[&str],
) -> Result<AST, Problem> {
    if source.len() > MAX_SOURCE {
        return Err(Problem {
            part: part.into(),
            message: format!("is longer than {MAX_SOURCE} bytes"),
            line: None,
            column: None,
        });
    }
    let mut scope = rhai::Scope::new();
    for v in variables {
        scope.push_dynamic(*v, Dynamic::UNIT);
    }
    let compiled = if part == "condition" {
        engine.compile_expression_with_scope(&scope, source)
    } else {
        engine.compile_with_scope(&scope, source)
    };
    let ast = compiled.map_err(|e| Problem::at(part, parse_message(&e.0), e.1))?;
    check_calls(engine, part, &ast)?;
    Ok(ast)
}

fn parse_message(error: &rhai::ParseErrorType) -> String {
    use rhai::ParseErrorType as P;
    match error {
        P::Reserved(word) if word == "import" || word == "export" => {
            format!("`{word}` is not allowed: workflows cannot load modules")
        }
        P::BadInput(rhai::LexError::ImproperSymbol(symbol, _)) if symbol == "eval" => {
            "`eval` is not allowed: a workflow runs only the script that was checked".into()
        }
        P::Reserved(word) => format!(
            "`{word}` is a word the script language keeps for itself and cannot be a name here \
             (a case is read with get_case(id), a module's action called with action(module, name, input))"
        ),
        P::VariableUndefined(name) => format!("`{name}` is not defined"),
        other => other.to_string(),
    }
}

/// Every call in `ast` is to a function the engine has (or the script
/// defines) with that many arguments.
fn check_calls(engine: &Engine, part: &str, ast: &AST) -> Result<(), Problem> {
    let mut known: Vec<(String, usize)> = engine.collect_fn_metadata(
        None,
        |info| Some((info.metadata.name.to_string(), info.metadata.num_params)),
        true,
    );
    known.extend(
        ast.iter_functions()
            .map(|f| (f.name.to_string(), f.params.len())),
    );
    let exists = |name: &str, arity: usize| {
        KEYWORDS
            .iter()
            .any(|(k, n)| *k == name && (*n == arity || *n == usize::MAX))
            || known.iter().any(|(k, n)| k == name && *n == arity)
    };
    let arities = |name: &str| {
        let mut found: Vec<usize> = known
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, n)| *n)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    };
    let mut problem = None;
    ast.walk(&mut |nodes: &[ASTNode]| {
        let (call, position, method) = match nodes.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => (call, *pos, false),
            Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => (call, *pos, false),
            Some(ASTNode::Expr(Expr::MethodCall(call, pos))) => (call, *pos, true),
            _ => return true,
        };
        if call.op_token.is_some() {
            return true;
        }
        let arity = call.args.len() + usize::from(method);
        if exists(&call.name, arity) {
            return true;
        }
        let name = &call.name;
        let shown = if method {
            format!(".{name}()")
        } else {
            format!("{name}()")
        };
        let message = match arities(name).as_slice() {
            [] => format!("there is no function {shown}"),
            counts => {
                let counts: Vec<String> = counts
                    .iter()
                    .map(|n| (n - usize::from(method)).to_string())
                    .collect();
                format!(
                    "{shown} takes {} argument(s), not {}",
                    counts.join(" or "),
                    call.args.len()
                )
            }
        };
        problem = Some(Problem::at(part, message, position));
        false
    });
    problem.map_or(Ok(()), Err)
}

/// Why a run stopped, in words naming the limit it went past.
pub fn runtime_problem(part: &str, error: &EvalAltResult, limits: &WorkflowLimits) -> Problem {
    use EvalAltResult as E;
    let message = match error {
        E::ErrorTooManyOperations(_) => format!(
            "stopped at the limit of {} operations (a loop that does not end?)",
            limits.max_operations
        ),
        E::ErrorStackOverflow(_) => format!(
            "stopped at the call depth limit of {} (a function that calls itself without end?)",
            limits.max_call_levels
        ),
        E::ErrorDataTooLarge(what, _) => {
            let (limit, unit) = if what.contains("string") {
                (limits.max_string_bytes, "bytes: the string size limit")
            } else if what.contains("array") {
                (limits.max_array_items, "items: the array size limit")
            } else {
                (limits.max_map_entries, "entries: the map size limit")
            };
            format!("stopped: {what} is over {limit} {unit}")
        }
        E::ErrorTerminated(..) => format!(
            "stopped at the time limit of {} ms",
            limits.deadline.as_millis()
        ),
        E::ErrorTooManyVariables(_) => "stopped at the limit of variables".into(),
        E::ErrorRuntime(value, _) => value.to_string(),
        E::ErrorInFunctionCall(name, _, inner, _) => {
            let inner = runtime_problem(part, inner, limits);
            return Problem {
                message: format!("in {name}(): {}", inner.message),
                ..inner
            };
        }
        other => other.to_string(),
    };
    let message = strip_position(&message);
    Problem::at(part, message, error.position())
}

/// rhai's messages end with ` (line L, position C)`: the problem has its
/// own place.
fn strip_position(message: &str) -> String {
    match message.rfind(" (line ") {
        Some(i) if message.ends_with(')') => message[..i].to_string(),
        _ => message.to_string(),
    }
}

/// A shared, compiled source.
pub type Compiled = Arc<AST>;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str) -> Result<(), Problem> {
        let engine = engine(&WorkflowLimits::default(), None);
        compile(&engine, "script", source, &["event"]).map(|_| ())
    }

    #[test]
    fn eval_import_and_unknown_functions_are_refused_with_their_place() {
        let p = check("let x = 1;\nlet y = eval(\"1\");").unwrap_err();
        assert_eq!((p.line, p.column), (Some(2), Some(9)));
        assert!(p.message.contains("`eval` is not allowed"), "{p}");
        let p = check("import \"a\" as b;").unwrap_err();
        assert_eq!((p.line, p.column), (Some(1), Some(1)));
        assert!(p.message.contains("`import` is not allowed"), "{p}");
        let p = check("let a = 1;\n  frobnicate(a);").unwrap_err();
        assert_eq!((p.line, p.column), (Some(2), Some(3)));
        assert_eq!(p.message, "there is no function frobnicate()");
        let p = check("let s = \"x\";\nlet n = s.len(1);").unwrap_err();
        assert_eq!(p.line, Some(2));
        assert!(
            p.message.contains(".len() takes 0 argument(s), not 1"),
            "{p}"
        );
        let p = check("let n = nobody + 1;").unwrap_err();
        assert!(p.message.contains("`nobody` is not defined"), "{p}");
    }

    #[test]
    fn what_scripts_may_use_passes() {
        check("fn twice(n) { n * 2 }\nlet x = twice(event.len());\nlet m = #{a: [1, 2]};\nm.a.push(x);\nprint(type_of(m));")
            .unwrap();
    }
}
