//! Strings and map keys.
//!
//! Owns: `Str` (short strings inline in the `Rc` allocation, longer ones in a `String`, with a
//! cached code-point count and an indexing cursor) and `Key` (a shared `Str` compared by pointer
//! first). Invariants: the inline bytes are always valid UTF-8 (see `Text`); every `Str` counts
//! its bytes plus `HEADER` against the memory limit for as long as it lives.

use super::{HEADER, R};
use crate::limits;
use std::cell::{Cell, OnceCell};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// An immutable string with a lazily cached code-point count.
#[derive(Debug)]
pub struct Str {
    text: Text,
    /// `usize::MAX` until first needed.
    chars: Cell<usize>,
    /// The last code point position indexed in a non-ASCII string, `(code point, byte offset)`
    /// packed as `cp << 32 | byte` (0: the start); see `byte_offset`.
    cursor: Cell<u64>,
    /// The code-point index of a long non-ASCII string, built the first time a position is far
    /// from every known one: the byte offset of every `INDEX_STEP`th code point.
    /// (Boxed: one word in every string, instead of the three of a `Vec`.)
    #[allow(clippy::box_collection)]
    index: OnceCell<Box<Vec<u32>>>,
}

/// Code points between two entries of a string's code-point index.
const INDEX_STEP: usize = 64;
/// Strings of at most this many code points are walked, never indexed.
const INDEX_MIN: usize = 256;

/// Bytes a string keeps inside its `Rc` allocation instead of in a buffer of its own.
const INLINE: usize = 22;

/// The bytes of a `Str`: short ones inline (one allocation per string instead of two; most
/// strings a program makes, like keys and numbers, are short), longer ones in a `String`.
#[derive(Debug)]
enum Text {
    /// Invariant: `buf[..len]` is valid UTF-8 (only ever copied from whole `&str`s, or ASCII
    /// digits from `Str::int`).
    Inline {
        len: u8,
        buf: [u8; INLINE],
    },
    Heap(String),
}

impl Text {
    #[inline]
    fn new(text: &str) -> Text {
        if text.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..text.len()].copy_from_slice(text.as_bytes());
            Text::Inline {
                len: text.len() as u8,
                buf,
            }
        } else {
            Text::Heap(text.to_string())
        }
    }

    #[inline]
    fn as_str(&self) -> &str {
        match self {
            Text::Inline { len, buf } => {
                let bytes = &buf[..*len as usize];
                // SAFETY: `buf[..len]` is always a copy of a whole `&str` or of two of them
                // concatenated (see `Text::new`, `Str::push_str`, `Str::push_front`), so it is
                // valid UTF-8. Validating on every access would cost as much as the allocation
                // the inline form saves.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Text::Heap(s) => s,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Text::Inline { len, .. } => *len as usize,
            Text::Heap(s) => s.len(),
        }
    }

    /// `self = before + self + after`, in place when it fits.
    fn splice(&mut self, before: &str, after: &str) -> R<()> {
        let old = self.len();
        let n = old + before.len() + after.len();
        match self {
            Text::Inline { len, buf } if n <= INLINE => {
                buf.copy_within(..old, before.len());
                buf[..before.len()].copy_from_slice(before.as_bytes());
                buf[before.len() + old..n].copy_from_slice(after.as_bytes());
                *len = n as u8;
            }
            Text::Heap(s) => {
                limits::reserve_string(s, before.len() + after.len())?;
                if !before.is_empty() {
                    s.insert_str(0, before);
                }
                s.push_str(after);
            }
            Text::Inline { .. } => {
                // Room to grow: `s = s + x` in a loop appends in place from here on.
                let mut s = limits::string_with_capacity(n.max(2 * INLINE))?;
                s.push_str(before);
                s.push_str(self.as_str());
                s.push_str(after);
                *self = Text::Heap(s);
            }
        }
        Ok(())
    }
}

impl Str {
    /// Charges the memory limit; fails with `out of memory`.
    pub(crate) fn new(text: String) -> R<Rc<Str>> {
        limits::charge(text.len() as u64 + HEADER)?;
        Ok(Rc::new(Str {
            text: Text::Heap(text),
            chars: Cell::new(usize::MAX),
            cursor: Cell::new(0),
            index: OnceCell::new(),
        }))
    }

    /// Like `new`, from a borrowed string (short ones need no buffer of their own).
    pub(crate) fn from_str(text: &str) -> R<Rc<Str>> {
        limits::charge(text.len() as u64 + HEADER)?;
        Ok(Rc::new(Str {
            text: Text::new(text),
            chars: Cell::new(usize::MAX),
            cursor: Cell::new(0),
            index: OnceCell::new(),
        }))
    }

    /// `a + b` as a new string.
    pub(crate) fn concat(a: &str, b: &str) -> R<Rc<Str>> {
        let n = a.len() + b.len();
        if n > INLINE {
            limits::check(n as u64)?;
            let mut s = limits::string_with_capacity(n)?;
            s.push_str(a);
            s.push_str(b);
            return Str::new(s);
        }
        limits::charge(n as u64 + HEADER)?;
        let mut text = Text::new(a);
        text.splice("", b)?;
        Ok(Rc::new(Str {
            text,
            chars: Cell::new(usize::MAX),
            cursor: Cell::new(0),
            index: OnceCell::new(),
        }))
    }

    /// `str(n)` for an int: formatted straight into the inline buffer.
    pub(crate) fn int(n: i64) -> R<Rc<Str>> {
        // Two digits per division, from a table of "00".."99".
        const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
            2021222324252627282930313233343536373839\
            4041424344454647484950515253545556575859\
            6061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899";
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut m = n.unsigned_abs();
        while m >= 100 {
            let pair = (m % 100) as usize * 2;
            m /= 100;
            i -= 2;
            digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if m >= 10 {
            let pair = m as usize * 2;
            i -= 2;
            digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            i -= 1;
            digits[i] = b'0' + m as u8;
        }
        let sign = usize::from(n < 0);
        let len = sign + digits.len() - i;
        // At most 20 characters ("-9223372036854775808"), so it always fits inline.
        let mut buf = [0u8; INLINE];
        buf[0] = b'-';
        buf[sign..len].copy_from_slice(&digits[i..]);
        limits::charge(len as u64 + HEADER)?;
        Ok(Rc::new(Str {
            // ASCII only, so valid UTF-8 (the invariant of `Text::Inline`).
            text: Text::Inline {
                len: len as u8,
                buf,
            },
            chars: Cell::new(len),
            cursor: Cell::new(0),
            index: OnceCell::new(),
        }))
    }

    /// For constants and host conversions: counted, but never refused.
    pub(crate) fn constant(text: String) -> Rc<Str> {
        limits::charge_unchecked(text.len() as u64 + HEADER);
        Rc::new(Str {
            text: Text::Heap(text),
            chars: Cell::new(usize::MAX),
            cursor: Cell::new(0),
            index: OnceCell::new(),
        })
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    #[inline]
    pub fn len_bytes(&self) -> usize {
        self.text.len()
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        let cached = self.chars.get();
        if cached != usize::MAX {
            return cached;
        }
        let text = self.as_str();
        let n = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        self.chars.set(n);
        n
    }

    pub fn is_ascii(&self) -> bool {
        self.char_len() == self.text.len()
    }

    /// Appends in place (the caller owns the only reference). Charges the added bytes.
    pub(crate) fn push_str(&mut self, more: &str) -> R<()> {
        limits::charge(more.len() as u64)?;
        self.text.splice("", more)?;
        self.chars.set(usize::MAX);
        self.cursor.set(0);
        self.drop_index();
        Ok(())
    }

    /// Prepends in place (the caller owns the only reference). Charges the added bytes.
    pub(crate) fn push_front(&mut self, more: &str) -> R<()> {
        limits::charge(more.len() as u64)?;
        self.text.splice(more, "")?;
        self.chars.set(usize::MAX);
        self.cursor.set(0);
        self.drop_index();
        Ok(())
    }

    fn drop_index(&mut self) {
        if let Some(index) = self.index.take() {
            limits::release(4 * index.len() as u64);
        }
    }

    /// The code-point index, built now if it is not yet (one pass; `None` when the memory
    /// limit has no room for it: the caller walks instead).
    fn code_point_index(&self, bytes: &[u8]) -> Option<&[u32]> {
        if self.index.get().is_none() {
            let mut offsets = Vec::with_capacity(self.char_len() / INDEX_STEP + 1);
            let mut c = 0;
            for (b, &x) in bytes.iter().enumerate() {
                if x & 0xc0 != 0x80 {
                    if c % INDEX_STEP == 0 {
                        offsets.push(b as u32);
                    }
                    c += 1;
                }
            }
            // Charged as it is released (`drop_index`): 4 bytes an entry.
            limits::charge(4 * offsets.len() as u64).ok()?;
            let _ = self.index.set(Box::new(offsets));
        }
        self.index.get().map(|v| v.as_slice())
    }

    /// Byte offset of the code point at `index` (or the end when `index >= char_len`).
    ///
    /// A non-ASCII string remembers the last position asked for and walks from the nearest of
    /// the start, that position and the end, so indexing in order (`s[i]` for i = 0, 1, 2 ...,
    /// or backwards) is O(1) per index, as in the C runtime's `str_offset`. A string of over
    /// `INDEX_MIN` code points asked for a position further than `INDEX_STEP` from all three
    /// gets a code-point index, after which any position is at most `INDEX_STEP - 1` code
    /// points from a known one: random access is O(1) too.
    pub(crate) fn byte_offset(&self, index: usize) -> usize {
        if self.is_ascii() {
            return index.min(self.text.len());
        }
        let (chars, bytes) = (self.char_len(), self.text.as_str().as_bytes());
        if index >= chars {
            return bytes.len();
        }
        let cached = (bytes.len() as u64) < 1 << 32;
        let (mut c, mut b) = (0, 0);
        if cached {
            let cursor = self.cursor.get();
            let (cc, cb) = ((cursor >> 32) as usize, (cursor & 0xffff_ffff) as usize);
            if cc.abs_diff(index) < index {
                (c, b) = (cc, cb);
            }
        }
        if chars - index < c.abs_diff(index) {
            (c, b) = (chars, bytes.len());
        }
        if cached && c.abs_diff(index) > INDEX_STEP && chars > INDEX_MIN {
            if let Some(offsets) = self.code_point_index(bytes) {
                if let Some(&at) = offsets.get(index / INDEX_STEP) {
                    (c, b) = (index - index % INDEX_STEP, at as usize);
                }
            }
        }
        let continuation = |b: usize| bytes.get(b).is_some_and(|&x| x & 0xc0 == 0x80);
        while c < index {
            b += 1;
            while continuation(b) {
                b += 1;
            }
            c += 1;
        }
        while c > index {
            b -= 1;
            while b > 0 && continuation(b) {
                b -= 1;
            }
            c -= 1;
        }
        if cached {
            self.cursor.set(((c as u64) << 32) | b as u64);
        }
        b
    }

    /// The code point at `index` (< `char_len`).
    pub(crate) fn char_at(&self, index: usize) -> Option<char> {
        self.as_str()[self.byte_offset(index)..].chars().next()
    }
}

impl Drop for Str {
    fn drop(&mut self) {
        self.drop_index();
        limits::release(self.text.len() as u64 + HEADER);
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

/// A map key or slot name: a shared string compared by pointer first, then by content.
#[derive(Clone, Debug)]
pub struct Key(pub Rc<Str>);

impl Key {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    #[inline]
    pub(crate) fn same(&self, other: &Key) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || self.0.as_str() == other.0.as_str()
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.same(other)
    }
}
impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}
