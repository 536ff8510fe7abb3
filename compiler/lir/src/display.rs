//! The text form of LIR, for snapshots and debugging: one function after another, structured
//! statements indented, runtime calls by symbol name, string data as escaped text.

use crate::ir::*;
use crate::runtime::{Core, RtFn};
use std::fmt::{self, Write};

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "globals {}", self.globals)?;
        writeln!(f, "data {} bytes", self.data.len())?;
        writeln!(f, "entry {}", fn_name(self, self.entry))?;
        for (name, id) in &self.exports {
            writeln!(f, "export {:?} = {}", name, fn_name(self, *id))?;
        }
        for func in &self.functions {
            writeln!(f)?;
            let kind = if func.address_taken { " generic" } else { "" };
            writeln!(
                f,
                "fn {}(params {}, locals {}){kind} {{",
                func.name, func.params, func.locals
            )?;
            let mut out = String::new();
            for s in &func.body {
                stmt(self, s, 1, &mut out)?;
            }
            f.write_str(&out)?;
            writeln!(f, "}}")?;
        }
        Ok(())
    }
}

fn fn_name(p: &Program, id: FnId) -> String {
    match p.functions.get(id.0 as usize) {
        Some(func) => func.name.clone(),
        None => format!("<bad fn {}>", id.0),
    }
}

fn indent(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn block(p: &Program, stmts: &[Stmt], depth: usize, out: &mut String) -> fmt::Result {
    for s in stmts {
        stmt(p, s, depth, out)?;
    }
    Ok(())
}

fn stmt(p: &Program, s: &Stmt, depth: usize, out: &mut String) -> fmt::Result {
    indent(depth, out);
    match s {
        Stmt::Set(l, e) => {
            write!(out, "l{l} = ")?;
            expr(p, e, out)?;
        }
        Stmt::SetGlobal(g, e) => {
            write!(out, "g{g} = ")?;
            expr(p, e, out)?;
            // Show the text of a string constant next to its creation.
            if let Expr::CallRt(RtFn::Core(Core::StrLit), args) = e {
                if let [Expr::DataAddr(off), Expr::Const(len)] = args.as_slice() {
                    let start = *off as usize;
                    let end = start.saturating_add(usize::try_from(*len).unwrap_or(0));
                    if let Some(bytes) = p.data.get(start..end) {
                        write!(out, "  // {:?}", String::from_utf8_lossy(bytes))?;
                    }
                }
            }
        }
        Stmt::Store {
            addr,
            offset,
            value,
        } => {
            out.push('[');
            expr(p, addr, out)?;
            write!(out, " + {offset}] = ")?;
            expr(p, value, out)?;
        }
        Stmt::Expr(e) => expr(p, e, out)?,
        Stmt::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str("if ");
            expr(p, cond, out)?;
            out.push_str(" {\n");
            block(p, then, depth + 1, out)?;
            indent(depth, out);
            out.push('}');
            if !otherwise.is_empty() {
                out.push_str(" else {\n");
                block(p, otherwise, depth + 1, out)?;
                indent(depth, out);
                out.push('}');
            }
        }
        Stmt::Loop(body) => {
            out.push_str("loop {\n");
            block(p, body, depth + 1, out)?;
            indent(depth, out);
            out.push('}');
        }
        Stmt::Break(d) => write!(out, "break {d}")?,
        Stmt::Continue(d) => write!(out, "continue {d}")?,
        Stmt::Return(e) => {
            out.push_str("return ");
            expr(p, e, out)?;
        }
    }
    out.push('\n');
    Ok(())
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::DivS => "/s",
        BinOp::RemS => "%s",
        BinOp::And => "&",
        BinOp::Or => "|",
        BinOp::Xor => "^",
        BinOp::Shl => "<<",
        BinOp::ShrS => ">>s",
        BinOp::ShrU => ">>u",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::LtS => "<s",
        BinOp::LeS => "<=s",
        BinOp::GtS => ">s",
        BinOp::GeS => ">=s",
        BinOp::LtU => "<u",
        BinOp::Rotl => "rotl",
        BinOp::Rotr => "rotr",
        BinOp::FAdd => "+f",
        BinOp::FSub => "-f",
        BinOp::FMul => "*f",
        BinOp::FDiv => "/f",
        BinOp::FEq => "==f",
        BinOp::FLt => "<f",
        BinOp::FLe => "<=f",
    }
}

fn list(p: &Program, args: &[Expr], out: &mut String) -> fmt::Result {
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        expr(p, a, out)?;
    }
    out.push(')');
    Ok(())
}

fn expr(p: &Program, e: &Expr, out: &mut String) -> fmt::Result {
    match e {
        Expr::Const(n) => write!(out, "{n}")?,
        Expr::Local(l) => write!(out, "l{l}")?,
        Expr::Global(g) => write!(out, "g{g}")?,
        Expr::IntToFloat(a) => {
            out.push_str("int_to_float(");
            expr(p, a, out)?;
            out.push(')');
        }
        Expr::Load(addr, offset) => {
            out.push('[');
            expr(p, addr, out)?;
            write!(out, " + {offset}]")?;
        }
        Expr::Bin(op, a, b) => {
            out.push('(');
            expr(p, a, out)?;
            write!(out, " {} ", op_symbol(*op))?;
            expr(p, b, out)?;
            out.push(')');
        }
        Expr::CallRt(f, args) => {
            out.push_str(&f.name());
            list(p, args, out)?;
        }
        Expr::Call(id, args) => {
            write!(out, "call {}", fn_name(p, *id))?;
            list(p, args, out)?;
        }
        Expr::FnAddr(id) => write!(out, "&{}", fn_name(p, *id))?,
        Expr::DataAddr(off) => write!(out, "data+{off}")?,
        Expr::Select(c, a, b) => {
            out.push_str("select");
            list(p, &[(**c).clone(), (**a).clone(), (**b).clone()], out)?;
        }
    }
    Ok(())
}
