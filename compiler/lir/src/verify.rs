//! A checker for LIR programs: what every emitter may rely on. The lowering's tests run it on
//! everything they lower, and the emitters run it before emitting.

use crate::ir::*;

/// Checks that locals and globals are in range, `break`/`continue` sit inside enough loops, calls
/// of compiled and runtime functions pass exactly as many arguments as the callee takes, and
/// [`Expr::FnAddr`] only names `address_taken` functions with the generic signature (4 params),
/// every function ends with a `return`, and `Select` operands call nothing.
pub fn verify(program: &Program) -> Result<(), String> {
    if program.globals < FIRST_FREE_GLOBAL {
        return Err(format!(
            "{} globals: fewer than the reserved {FIRST_FREE_GLOBAL}",
            program.globals
        ));
    }
    match program.functions.get(program.entry.0 as usize) {
        Some(f) if f.params == 0 => {}
        Some(f) => return Err(format!("entry `{}` takes parameters", f.name)),
        None => return Err("the entry is not a function".to_string()),
    }
    let mut names = std::collections::HashSet::new();
    for f in &program.functions {
        if !names.insert(f.name.as_str()) {
            return Err(format!("two functions named `{}`", f.name));
        }
        if f.name.is_empty()
            || !f
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!("function name `{}` is not symbol-friendly", f.name));
        }
        if f.address_taken && f.params != 4 {
            return Err(format!(
                "`{}` is address-taken with {} params, not 4",
                f.name, f.params
            ));
        }
        if !matches!(f.body.last(), Some(Stmt::Return(_))) {
            return Err(format!("`{}` does not end with a return", f.name));
        }
        let checker = Checker { program, func: f };
        checker
            .block(&f.body, 0)
            .map_err(|e| format!("in `{}`: {e}", f.name))?;
    }
    for (name, id) in &program.exports {
        match program.functions.get(id.0 as usize) {
            // Routes export generic entries; `aura_init` is, like the entry, a function of no
            // parameters.
            Some(f) if f.address_taken || f.params == 0 => {}
            _ => {
                return Err(format!(
                    "export `{name}` is neither a generic entry nor parameterless"
                ))
            }
        }
    }
    Ok(())
}

struct Checker<'p> {
    program: &'p Program,
    func: &'p Function,
}

impl Checker<'_> {
    fn local(&self, l: Local) -> Result<(), String> {
        if u64::from(l) >= u64::from(self.func.params) + u64::from(self.func.locals) {
            return Err(format!(
                "local {l} out of range ({} params, {} locals)",
                self.func.params, self.func.locals
            ));
        }
        Ok(())
    }

    fn global(&self, g: u32) -> Result<(), String> {
        if g >= self.program.globals {
            return Err(format!(
                "global {g} out of range ({})",
                self.program.globals
            ));
        }
        Ok(())
    }

    fn block(&self, stmts: &[Stmt], loops: u32) -> Result<(), String> {
        for s in stmts {
            self.stmt(s, loops)?;
        }
        Ok(())
    }

    fn stmt(&self, s: &Stmt, loops: u32) -> Result<(), String> {
        match s {
            Stmt::Set(l, e) => {
                self.local(*l)?;
                self.expr(e)
            }
            Stmt::SetGlobal(g, e) => {
                self.global(*g)?;
                self.expr(e)
            }
            Stmt::Store { addr, value, .. } => {
                self.expr(addr)?;
                self.expr(value)
            }
            Stmt::Expr(e) | Stmt::Return(e) => self.expr(e),
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond)?;
                self.block(then, loops)?;
                self.block(otherwise, loops)
            }
            Stmt::Loop(body) => self.block(body, loops + 1),
            Stmt::Break(d) | Stmt::Continue(d) => {
                if *d >= loops {
                    return Err(format!("break/continue {d} inside {loops} loops"));
                }
                Ok(())
            }
        }
    }

    fn expr(&self, e: &Expr) -> Result<(), String> {
        match e {
            Expr::Const(_) => Ok(()),
            Expr::Local(l) => self.local(*l),
            Expr::Global(g) => self.global(*g),
            Expr::Load(addr, _) | Expr::IntToFloat(addr) => self.expr(addr),
            Expr::Bin(_, a, b) => {
                self.expr(a)?;
                self.expr(b)
            }
            Expr::CallRt(f, args) => {
                if args.len() != f.params() {
                    return Err(format!(
                        "{} called with {} arguments, takes {}",
                        f.name(),
                        args.len(),
                        f.params()
                    ));
                }
                if let crate::runtime::RtFn::Builtin(i) = f {
                    if usize::from(*i) >= aura_uast::BUILTINS.len() {
                        return Err(format!("builtin {i} does not exist"));
                    }
                }
                args.iter().try_for_each(|a| self.expr(a))
            }
            Expr::Call(id, args) => {
                let Some(callee) = self.program.functions.get(id.0 as usize) else {
                    return Err(format!("call of missing function {}", id.0));
                };
                if args.len() != callee.params as usize {
                    return Err(format!(
                        "call of `{}` with {} arguments, takes {}",
                        callee.name,
                        args.len(),
                        callee.params
                    ));
                }
                args.iter().try_for_each(|a| self.expr(a))
            }
            Expr::FnAddr(id) => match self.program.functions.get(id.0 as usize) {
                Some(f) if f.address_taken && f.params == 4 => Ok(()),
                Some(f) => Err(format!(
                    "address of `{}`, which is not a generic entry",
                    f.name
                )),
                None => Err(format!("address of missing function {}", id.0)),
            },
            Expr::DataAddr(off) => {
                if *off as usize > self.program.data.len() {
                    return Err(format!("data address {off} past the data"));
                }
                Ok(())
            }
            Expr::Select(c, a, b) => {
                if [c, a, b].iter().any(|e| e.has_call()) {
                    return Err("select with a call in an operand".to_string());
                }
                self.expr(c)?;
                self.expr(a)?;
                self.expr(b)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Core, RtFn};

    fn program(body: Vec<Stmt>, locals: u32) -> Program {
        let mut body = body;
        body.push(Stmt::Return(Expr::Const(0)));
        Program {
            functions: vec![
                Function {
                    name: "aura_main".into(),
                    params: 0,
                    locals,
                    address_taken: false,
                    body,
                },
                Function {
                    name: "direct".into(),
                    params: 4,
                    locals: 0,
                    address_taken: false,
                    body: vec![Stmt::Return(Expr::Const(0))],
                },
            ],
            globals: FIRST_FREE_GLOBAL,
            data: Vec::new(),
            entry: FnId(0),
            exports: Vec::new(),
        }
    }

    #[test]
    fn accepts_a_good_program_and_rejects_each_kind_of_bad_one() {
        let good = vec![Stmt::Loop(vec![
            Stmt::Set(0, Expr::CallRt(RtFn::Core(Core::MapNew), vec![])),
            Stmt::Break(0),
        ])];
        assert_eq!(verify(&program(good, 1)), Ok(()));
        let bad: Vec<(Vec<Stmt>, &str)> = vec![
            (vec![Stmt::Set(1, Expr::Const(0))], "local 1"),
            (vec![Stmt::SetGlobal(4, Expr::Const(0))], "global 4"),
            (vec![Stmt::Break(0)], "break"),
            (
                vec![Stmt::Loop(vec![Stmt::Continue(1)])],
                "break/continue 1",
            ),
            (
                vec![Stmt::Expr(Expr::CallRt(
                    RtFn::Core(Core::Add),
                    vec![Expr::Const(1)],
                ))],
                "rt_add called with 1",
            ),
            (
                vec![Stmt::Expr(Expr::Call(FnId(1), vec![Expr::Const(1)]))],
                "call of `direct`",
            ),
            (
                vec![Stmt::Expr(Expr::FnAddr(FnId(1)))],
                "not a generic entry",
            ),
            (
                vec![Stmt::Expr(Expr::Select(
                    Box::new(Expr::CallRt(RtFn::Core(Core::MapNew), vec![])),
                    Box::new(Expr::Const(0)),
                    Box::new(Expr::Const(1)),
                ))],
                "select",
            ),
        ];
        for (body, expected) in bad {
            let err = verify(&program(body, 1)).expect_err(expected);
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }
}
