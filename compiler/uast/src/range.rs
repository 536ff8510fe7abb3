//! The `range` fast path, recognised once for every backend.
//!
//! `for i in range(..) { .. }` is the commonest loop, and every backend runs it as a counting loop
//! instead of building the list. Which loops qualify is decided here, on the UAST alone: the
//! iterable is a call of a variable named `range` with an argument count the builtin accepts
//! (`BUILTINS`: 1 to 3). Invariant: the loop means the same as the builtin's list, so the caller
//! must still check that the name `range` resolves to the builtin (a program may shadow it) and
//! evaluate the arguments left to right, checking them after all are evaluated, as a call would.
//! A backend whose counting loop has no step takes the loop only when `step` is `None`.

use crate::{Expr, BUILTINS};

/// The arguments of a `range(..)` call that a `for` loop iterates over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangeArgs<'e> {
    /// `None` for `range(end)` (the start is 1).
    pub start: Option<&'e Expr>,
    /// The last value (inclusive).
    pub end: &'e Expr,
    /// `None` unless written (the step is 1).
    pub step: Option<&'e Expr>,
    /// The arguments as written, in evaluation order.
    pub args: &'e [Expr],
}

/// `Some` when `iter` is a call of `range` with an argument count the builtin accepts. The caller
/// checks that `range` is the builtin where the loop is (see the module doc).
pub fn range_loop(iter: &Expr) -> Option<RangeArgs<'_>> {
    let Expr::Call { callee, args, .. } = iter else {
        return None;
    };
    let Expr::Var { name, .. } = callee.as_ref() else {
        return None;
    };
    if name != "range"
        || !BUILTINS
            .iter()
            .any(|b| b.name == "range" && b.accepts(args.len()))
    {
        return None;
    }
    let (start, end, step) = match args.as_slice() {
        [end] => (None, end, None),
        [start, end] => (Some(start), end, None),
        [start, end, step] => (Some(start), end, Some(step)),
        _ => return None,
    };
    Some(RangeArgs {
        start,
        end,
        step,
        args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    fn int(value: i64) -> Expr {
        Expr::Int {
            span: Span::default(),
            value,
        }
    }

    fn call(callee: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            span: Span::default(),
            callee: Box::new(Expr::Var {
                span: Span::default(),
                name: callee.to_string(),
            }),
            args,
        }
    }

    #[test]
    fn one_to_three_arguments_of_range() {
        let one = call("range", vec![int(5)]);
        let r = range_loop(&one);
        assert_eq!(
            r.map(|r| (r.start, r.end, r.step)),
            Some((None, &int(5), None))
        );
        let two = call("range", vec![int(2), int(5)]);
        let r = range_loop(&two);
        assert_eq!(
            r.map(|r| (r.start, r.end, r.step, r.args.len())),
            Some((Some(&int(2)), &int(5), None, 2))
        );
        let three = call("range", vec![int(2), int(9), int(3)]);
        let r = range_loop(&three);
        assert_eq!(
            r.map(|r| (r.start, r.end, r.step)),
            Some((Some(&int(2)), &int(9), Some(&int(3))))
        );
    }

    #[test]
    fn not_a_range_loop() {
        assert_eq!(range_loop(&call("range", vec![])), None);
        assert_eq!(range_loop(&call("range", vec![int(1); 4])), None);
        assert_eq!(range_loop(&call("rangee", vec![int(1)])), None);
        assert_eq!(range_loop(&int(3)), None);
        let field_callee = Expr::Call {
            span: Span::default(),
            callee: Box::new(Expr::Field {
                span: Span::default(),
                object: Box::new(int(1)),
                field: crate::Ident {
                    span: Span::default(),
                    name: "range".to_string(),
                },
            }),
            args: vec![int(3)],
        };
        assert_eq!(range_loop(&field_callee), None);
    }
}
