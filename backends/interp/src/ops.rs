//! Operators, equality, fields and indexing.

use crate::limits;
use crate::tree::Op;
use crate::value::{err, type_err, Key, List, Str, Value, ELEM, R};
use aura_facts::ErrorKind;
use std::collections::HashSet;
use std::rc::Rc;

#[cold]
#[inline(never)]
pub(crate) fn overflow() -> crate::value::Error {
    err(ErrorKind::IntegerOverflow, "integer overflow")
}

fn div_zero() -> crate::value::Error {
    err(ErrorKind::DivisionByZero, "division by zero")
}

fn verb(op: Op) -> &'static str {
    match op {
        Op::Add => "add",
        Op::Sub => "subtract",
        Op::Mul => "multiply",
        Op::Div => "divide",
        Op::Rem => "take the remainder of",
        Op::BitAnd => "bitwise-and",
        Op::BitOr => "bitwise-or",
        Op::BitXor => "bitwise-xor",
        Op::Shl | Op::Shr => "shift",
        Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => "compare",
    }
}

fn mismatch(op: Op, a: &Value, b: &Value) -> crate::value::Error {
    type_err(format!(
        "cannot {} {} and {}",
        verb(op),
        a.type_name(),
        b.type_name()
    ))
}

#[inline(always)]
pub(crate) fn int_op(op: Op, x: i64, y: i64) -> R<Value> {
    Ok(match op {
        Op::Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
        Op::Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
        Op::Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
        Op::Div => {
            if y == 0 {
                return Err(div_zero());
            }
            Value::Int(x.checked_div(y).ok_or_else(overflow)?)
        }
        Op::Rem => {
            if y == 0 {
                return Err(div_zero());
            }
            Value::Int(x.wrapping_rem(y))
        }
        Op::Eq => Value::Bool(x == y),
        Op::Ne => Value::Bool(x != y),
        Op::Lt => Value::Bool(x < y),
        Op::Le => Value::Bool(x <= y),
        Op::Gt => Value::Bool(x > y),
        Op::Ge => Value::Bool(x >= y),
        Op::BitAnd => Value::Int(x & y),
        Op::BitOr => Value::Int(x | y),
        Op::BitXor => Value::Int(x ^ y),
        Op::Shl => Value::Int(shift_left(x, y)?),
        Op::Shr => Value::Int(shift_right(x, y)?),
    })
}

/// `x << n` on 64-bit two's complement: bits shifted out are lost, 64 or more gives 0.
fn shift_left(x: i64, n: i64) -> R<i64> {
    Ok(match u32::try_from(shift_count(n)?) {
        Ok(n) if n < 64 => x << n,
        _ => 0,
    })
}

/// `x >> n`, arithmetic: 64 or more gives 0 or -1 (the sign).
fn shift_right(x: i64, n: i64) -> R<i64> {
    Ok(match u32::try_from(shift_count(n)?) {
        Ok(n) if n < 64 => x >> n,
        _ => x >> 63,
    })
}

fn shift_count(n: i64) -> R<i64> {
    if n < 0 {
        return Err(type_err(format!("negative shift count {n}")));
    }
    Ok(n)
}

/// Arithmetic and comparison on floats; `None` for the bit operators, which take ints only.
fn float_op(op: Op, x: f64, y: f64) -> Option<Value> {
    Some(match op {
        Op::Add => Value::Float(x + y),
        Op::Sub => Value::Float(x - y),
        Op::Mul => Value::Float(x * y),
        Op::Div => Value::Float(x / y),
        Op::Rem => Value::Float(x % y),
        Op::Eq => Value::Bool(x == y),
        Op::Ne => Value::Bool(x != y),
        Op::Lt => Value::Bool(x < y),
        Op::Le => Value::Bool(x <= y),
        Op::Gt => Value::Bool(x > y),
        Op::Ge => Value::Bool(x >= y),
        Op::BitAnd | Op::BitOr | Op::BitXor | Op::Shl | Op::Shr => return None,
    })
}

/// Any binary operator except `and`/`or`.
#[inline(never)]
pub(crate) fn binary(op: Op, a: &Value, b: &Value) -> R<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_op(op, *x, *y),
        (Value::Float(x), Value::Float(y)) => {
            float_op(op, *x, *y).ok_or_else(|| mismatch(op, a, b))
        }
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x))
            if matches!(op, Op::Eq | Op::Ne) =>
        {
            Ok(Value::Bool(int_equals_float(*x, *y) == (op == Op::Eq)))
        }
        (Value::Int(x), Value::Float(y)) => {
            float_op(op, *x as f64, *y).ok_or_else(|| mismatch(op, a, b))
        }
        (Value::Float(x), Value::Int(y)) => {
            float_op(op, *x, *y as f64).ok_or_else(|| mismatch(op, a, b))
        }
        _ => match op {
            Op::Eq => Ok(Value::Bool(equal_checked(a, b)?)),
            Op::Ne => Ok(Value::Bool(!equal_checked(a, b)?)),
            Op::Add => add_other(a, b),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => match (a, b) {
                (Value::Str(x), Value::Str(y)) => {
                    let (x, y) = (x.as_str(), y.as_str());
                    Ok(Value::Bool(match op {
                        Op::Lt => x < y,
                        Op::Le => x <= y,
                        Op::Gt => x > y,
                        _ => x >= y,
                    }))
                }
                _ => Err(mismatch(op, a, b)),
            },
            _ => Err(mismatch(op, a, b)),
        },
    }
}

/// `+` on strings and lists: a new value.
fn add_other(a: &Value, b: &Value) -> R<Value> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Value::Str(Str::concat(x.as_str(), y.as_str())?)),
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.items.borrow(), y.items.borrow());
            let n = x.len() + y.len();
            limits::check(ELEM * n as u64)?;
            let mut v = limits::vec_with_capacity(n)?;
            v.extend(x.iter().cloned());
            v.extend(y.iter().cloned());
            Ok(Value::List(List::new(v)?))
        }
        _ => Err(mismatch(Op::Add, a, b)),
    }
}

/// `x = x + y` where the old `x` is no longer needed: appends in place when `x` is not shared.
pub(crate) fn add_owned(a: Value, b: Value) -> R<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.checked_add(y).ok_or_else(overflow)?)),
        (Value::Str(mut x), Value::Str(mut y)) => {
            if let Some(s) = Rc::get_mut(&mut x) {
                s.push_str(y.as_str())?;
                return Ok(Value::Str(x));
            }
            if let Some(s) = Rc::get_mut(&mut y) {
                s.push_front(x.as_str())?;
                return Ok(Value::Str(y));
            }
            add_other(&Value::Str(x), &Value::Str(y))
        }
        (Value::List(mut x), Value::List(y)) => {
            if !Rc::ptr_eq(&x, &y) {
                if let Some(list) = Rc::get_mut(&mut x) {
                    let items = list.items.get_mut();
                    let more = y.items.borrow();
                    limits::charge(ELEM * more.len() as u64)?;
                    limits::reserve_vec(items, more.len())?;
                    items.extend(more.iter().cloned());
                    drop(more);
                    return Ok(Value::List(x));
                }
            }
            add_other(&Value::List(x), &Value::List(y))
        }
        (a, b) => binary(Op::Add, &a, &b),
    }
}

pub(crate) fn neg(v: &Value) -> R<Value> {
    match v {
        Value::Int(n) => Ok(Value::Int(n.checked_neg().ok_or_else(overflow)?)),
        Value::Float(x) => Ok(Value::Float(-x)),
        other => Err(type_err(format!("cannot negate a {}", other.type_name()))),
    }
}

pub(crate) fn bit_not(v: &Value) -> R<Value> {
    match v {
        Value::Int(n) => Ok(Value::Int(!n)),
        other => Err(type_err(format!(
            "cannot bitwise-not a {}",
            other.type_name()
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Equality

/// `1 == 1.0` holds, but exactly: `9007199254740993 == 9007199254740992.0` does not, although
/// the int rounds to that float.
fn int_equals_float(int: i64, float: f64) -> bool {
    // -2^63 ..= 2^63 (exclusive) is where an integral float converts to i64 without saturating.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    float.fract() == 0.0 && (-LIMIT..LIMIT).contains(&float) && float as i64 == int
}

/// Deep equality for nil/bool/numbers/str/list/map, identity for objects and functions. Cyclic
/// structures compare by bisimulation (a pair already being compared counts as equal), so they
/// terminate. Containers nested deeper than `limits::MAX_NEST` are `stack overflow`, as in the
/// compiled backends.
fn equal_checked(a: &Value, b: &Value) -> R<bool> {
    let mut seen = Pairs::default();
    let eq = equal_in(a, b, &mut seen, 0);
    if seen.too_deep {
        return Err(err(
            ErrorKind::StackOverflow,
            "values nested too deeply to compare",
        ));
    }
    Ok(eq)
}

#[derive(Default)]
struct Pairs {
    set: HashSet<(usize, usize)>,
    /// Set (and the comparison abandoned) past `limits::MAX_NEST`.
    too_deep: bool,
}

fn equal_in(a: &Value, b: &Value, seen: &mut Pairs, depth: usize) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            int_equals_float(*x, *y)
        }
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || x.as_str() == y.as_str(),
        (Value::List(x), Value::List(y)) => {
            // No identity short-cut: a list holding NaN is not equal to itself.
            let pair = (Rc::as_ptr(x) as usize, Rc::as_ptr(y) as usize);
            if depth > 8 && !seen.set.insert(pair) {
                return true;
            }
            if depth > limits::MAX_NEST || seen.too_deep {
                seen.too_deep = true;
                return false;
            }
            let (xs, ys) = (x.items.borrow(), y.items.borrow());
            xs.len() == ys.len()
                && xs.iter().zip(ys.iter()).all(|(p, q)| {
                    stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                        equal_in(p, q, seen, depth + 1)
                    })
                })
        }
        (Value::Map(x), Value::Map(y)) => {
            // No identity short-cut: a map holding NaN is not equal to itself.
            let pair = (Rc::as_ptr(x) as usize, Rc::as_ptr(y) as usize);
            if depth > 8 && !seen.set.insert(pair) {
                return true;
            }
            if depth > limits::MAX_NEST || seen.too_deep {
                seen.too_deep = true;
                return false;
            }
            let (xs, ys) = (x.entries.borrow(), y.entries.borrow());
            xs.len() == ys.len()
                && xs.iter().all(|(k, p)| match ys.get(k.as_str()) {
                    Some(q) => stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                        equal_in(p, q, seen, depth + 1)
                    }),
                    None => false,
                })
        }
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        (Value::Fn(x), Value::Fn(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Capability(x), Value::Capability(y)) => x == y,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Fields and indexing

pub(crate) fn field(object: &Value, key: &Key) -> R<Value> {
    match object {
        Value::Object(o) => Ok(o.lookup(key).unwrap_or_default()),
        Value::Map(m) => Ok(m.get(key.as_str()).unwrap_or_default()),
        other => Err(type_err(format!(
            "cannot read field `{}` of a {}",
            key.as_str(),
            other.type_name()
        ))),
    }
}

pub(crate) fn set_field(object: &Value, key: &Key, v: Value) -> R<()> {
    match object {
        Value::Object(o) => o.slots.borrow_mut().set(key.clone(), v),
        Value::Map(m) => m.insert(key.clone(), v),
        other => Err(type_err(format!(
            "cannot set field `{}` of a {}",
            key.as_str(),
            other.type_name()
        ))),
    }
}

fn out_of_range(index: i64, len: usize) -> crate::value::Error {
    err(
        ErrorKind::IndexOutOfRange,
        format!("index {index}, length {len}"),
    )
}

/// A checked position in `0..len`.
pub(crate) fn position(index: i64, len: usize) -> R<usize> {
    if index < 0 || index as u64 >= len as u64 {
        return Err(out_of_range(index, len));
    }
    Ok(index as usize)
}

/// A one-character string.
pub(crate) fn char_value(ch: char) -> R<Value> {
    let mut buf = [0u8; 4];
    Ok(Value::Str(Str::from_str(ch.encode_utf8(&mut buf))?))
}

pub(crate) fn index(object: &Value, index: &Value) -> R<Value> {
    match (object, index) {
        (Value::List(l), Value::Int(i)) => {
            let items = l.items.borrow();
            let p = position(*i, items.len())?;
            Ok(items[p].clone())
        }
        (Value::Str(s), Value::Int(i)) => {
            if s.is_ascii() {
                let p = position(*i, s.len_bytes())?;
                return char_value(char::from(s.as_str().as_bytes()[p]));
            }
            let p = position(*i, s.char_len())?;
            match s.char_at(p) {
                Some(ch) => char_value(ch),
                None => Err(out_of_range(*i, s.char_len())),
            }
        }
        (Value::Map(m), Value::Str(k)) => Ok(m.get(k.as_str()).unwrap_or_default()),
        (Value::Object(o), Value::Str(k)) => Ok(o.lookup(&Key(k.clone())).unwrap_or_default()),
        (Value::List(_) | Value::Str(_), other) => Err(type_err(format!(
            "a {} index must be an int, not a {}",
            object.type_name(),
            other.type_name()
        ))),
        (Value::Map(_) | Value::Object(_), other) => Err(type_err(format!(
            "a {} key must be a str, not a {}",
            object.type_name(),
            other.type_name()
        ))),
        (other, _) => Err(type_err(format!("cannot index a {}", other.type_name()))),
    }
}

pub(crate) fn set_index(object: &Value, index: &Value, v: Value) -> R<()> {
    match (object, index) {
        (Value::List(l), Value::Int(i)) => {
            let mut items = l.items.borrow_mut();
            let p = position(*i, items.len())?;
            items[p] = v;
            Ok(())
        }
        (Value::Map(m), Value::Str(k)) => m.insert(Key(k.clone()), v),
        (Value::Object(o), Value::Str(k)) => o.slots.borrow_mut().set(Key(k.clone()), v),
        (Value::Str(_), _) => Err(type_err("strings are immutable: cannot assign to s[i]")),
        (Value::List(_), other) => Err(type_err(format!(
            "a list index must be an int, not a {}",
            other.type_name()
        ))),
        (Value::Map(_) | Value::Object(_), other) => Err(type_err(format!(
            "a {} key must be a str, not a {}",
            object.type_name(),
            other.type_name()
        ))),
        (other, _) => Err(type_err(format!("cannot index a {}", other.type_name()))),
    }
}
