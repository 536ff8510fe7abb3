//! Runtime values. `Value` is 16 bytes: a tag and one word (an immediate or one `Rc`).
//!
//! Heap values count their bytes against the memory limit (see `limits.rs`) when they are created
//! or grown and give them back when they are dropped. Dropping is iterative, so a list nested a
//! million levels deep is freed without recursing on the Rust stack.

use crate::gc::{self, GcIndex, Tracked};
use crate::limits;
use crate::ordmap::OrdMap;
use aura_facts::{ErrorKind, RuntimeError};
use std::cell::{Cell, RefCell};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::rc::Rc;

/// Errors travel boxed: `Result<Value, Error>` stays two words.
pub(crate) type Error = Box<RuntimeError>;
pub(crate) type R<T> = Result<T, Error>;

pub(crate) fn err(kind: ErrorKind, message: impl Into<String>) -> Error {
    Box::new(RuntimeError::new(kind, message))
}

pub(crate) fn type_err(message: impl Into<String>) -> Error {
    err(ErrorKind::Type, message)
}

/// An Aura value.
// `repr(C, u64)`: a full-word tag and every payload at offset 8. Copies of `Result<Value, _>` then move whole
// words instead of the padding bytes 1..8, which cost store-forwarding stalls on the hot path.
#[derive(Clone, Debug, Default)]
#[repr(C, u64)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<Str>),
    List(Rc<List>),
    Map(Rc<Map>),
    Object(Rc<Object>),
    Fn(Rc<Closure>),
    /// A native builtin, by its index in `aura_uast::BUILTINS`.
    Builtin(u16),
    /// A capability (`store`, `log`, `clock`), by its index in `aura_uast::CAPABILITIES`.
    Capability(u8),
}

/// Bytes counted for the header of each heap value (approximate; see `limits.rs`).
pub(crate) const HEADER: u64 = 32;
/// Bytes counted per list element, map entry and object slot.
pub(crate) const ELEM: u64 = 16;
pub(crate) const ENTRY: u64 = 40;

// ---------------------------------------------------------------------------------------------
// Strings

/// An immutable string with a lazily cached code-point count.
#[derive(Debug)]
pub struct Str {
    text: Text,
    /// `usize::MAX` until first needed.
    chars: Cell<usize>,
    /// The last code point position indexed in a non-ASCII string, `(code point, byte offset)`
    /// packed as `cp << 32 | byte` (0: the start); see `byte_offset`.
    cursor: Cell<u64>,
}

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
        }))
    }

    /// Like `new`, from a borrowed string (short ones need no buffer of their own).
    pub(crate) fn from_str(text: &str) -> R<Rc<Str>> {
        limits::charge(text.len() as u64 + HEADER)?;
        Ok(Rc::new(Str {
            text: Text::new(text),
            chars: Cell::new(usize::MAX),
            cursor: Cell::new(0),
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
        }))
    }

    /// For constants and host conversions: counted, but never refused.
    pub(crate) fn constant(text: String) -> Rc<Str> {
        limits::charge_unchecked(text.len() as u64 + HEADER);
        Rc::new(Str {
            text: Text::Heap(text),
            chars: Cell::new(usize::MAX),
            cursor: Cell::new(0),
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
        Ok(())
    }

    /// Prepends in place (the caller owns the only reference). Charges the added bytes.
    pub(crate) fn push_front(&mut self, more: &str) -> R<()> {
        limits::charge(more.len() as u64)?;
        self.text.splice(more, "")?;
        self.chars.set(usize::MAX);
        self.cursor.set(0);
        Ok(())
    }

    /// Byte offset of the code point at `index` (or the end when `index >= char_len`).
    ///
    /// A non-ASCII string remembers the last position asked for and walks from the nearest of
    /// the start, that position and the end, so indexing in order (`s[i]` for i = 0, 1, 2 ...,
    /// or backwards) is O(1) per index, as in the C runtime's `str_offset`.
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

/// FxHash-style word mixing with a murmur3 finaliser: fast, not DoS-resistant.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The murmur3 finaliser: every input bit reaches every output bit (hashbrown takes the
        // bucket from the low bits and control bits from the top).
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
/// Map entries and large objects' slots: insertion-ordered, O(1) amortised removal.
pub(crate) type Entries = OrdMap<Key, Value, FxBuild>;

// ---------------------------------------------------------------------------------------------
// Lists and maps

#[derive(Debug)]
pub struct List {
    pub items: RefCell<Vec<Value>>,
    pub(crate) gc: GcIndex,
}

impl List {
    pub(crate) fn new(items: Vec<Value>) -> R<Rc<List>> {
        limits::charge(HEADER + ELEM * items.len() as u64)?;
        Ok(List::tracked(items))
    }
    pub(crate) fn constant(items: Vec<Value>) -> Rc<List> {
        limits::charge_unchecked(HEADER + ELEM * items.len() as u64);
        List::tracked(items)
    }
    #[inline]
    fn tracked(items: Vec<Value>) -> Rc<List> {
        let list = Rc::new(List {
            items: RefCell::new(items),
            gc: GcIndex::new(),
        });
        gc::track(Tracked::List(Rc::as_ptr(&list)), &list.gc);
        list
    }
    /// Empties the list (the cycle collector freeing it); the values go to `out`.
    pub(crate) fn clear_into(&self, out: &mut Vec<Value>) {
        if let Ok(mut items) = self.items.try_borrow_mut() {
            limits::release(ELEM * items.len() as u64);
            out.append(&mut items);
        }
    }
}

#[derive(Debug)]
pub struct Map {
    pub entries: RefCell<Entries>,
    pub(crate) gc: GcIndex,
}

impl Map {
    pub(crate) fn new(entries: Entries) -> R<Rc<Map>> {
        limits::charge(HEADER + ENTRY * entries.len() as u64)?;
        Ok(Map::tracked(entries))
    }
    pub(crate) fn constant(entries: Entries) -> Rc<Map> {
        limits::charge_unchecked(HEADER + ENTRY * entries.len() as u64);
        Map::tracked(entries)
    }
    #[inline]
    fn tracked(entries: Entries) -> Rc<Map> {
        let map = Rc::new(Map {
            entries: RefCell::new(entries),
            gc: GcIndex::new(),
        });
        gc::track(Tracked::Map(Rc::as_ptr(&map)), &map.gc);
        map
    }
    /// Empties the map (the cycle collector freeing it); the values go to `out`.
    pub(crate) fn clear_into(&self, out: &mut Vec<Value>) {
        if let Ok(mut entries) = self.entries.try_borrow_mut() {
            limits::release(ENTRY * entries.len() as u64);
            out.extend(entries.drain(..).map(|(_, v)| v));
        }
    }
    /// Inserts or replaces; a new key is charged.
    pub(crate) fn insert(&self, key: Key, value: Value) -> R<()> {
        let mut entries = self.entries.borrow_mut();
        if let Some(slot) = entries.get_mut(key.as_str()) {
            let old = std::mem::replace(slot, value);
            drop(entries);
            drop(old);
        } else {
            limits::charge(ENTRY)?;
            let _ = entries.insert(key, value);
        }
        Ok(())
    }
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        self.entries.borrow().get(key).cloned()
    }
}

// ---------------------------------------------------------------------------------------------
// Objects

/// A prototype object: optional name (named objects print as `<object NAME>`), a fixed prototype
/// link and its own slots in insertion order.
#[derive(Debug)]
pub struct Object {
    pub name: Option<Rc<str>>,
    pub proto: Option<Rc<Object>>,
    pub slots: RefCell<Slots>,
    pub(crate) gc: GcIndex,
}

/// Few slots: a vector searched linearly (names are interned, so most compares are pointer
/// compares). Many slots: an index map.
#[derive(Debug)]
pub enum Slots {
    Small(Vec<(Key, Value)>),
    Large(Entries),
}

const SMALL_SLOTS: usize = 12;

thread_local! {
    /// Bumped whenever an object is made or gains a slot: while it is unchanged, no object has
    /// new slots and no object address was reused, so a cached method location still holds.
    static SHAPE_EPOCH: Cell<u64> = const { Cell::new(1) };
}

/// See `SHAPE_EPOCH`.
#[inline]
pub(crate) fn shape_epoch() -> u64 {
    SHAPE_EPOCH.with(Cell::get)
}

/// Invalidates every send cache (also called when host code may have touched slots).
#[inline]
pub(crate) fn shapes_changed() {
    SHAPE_EPOCH.with(|e| e.set(e.get().wrapping_add(1)));
}

impl Slots {
    #[inline]
    pub fn get(&self, name: &Key) -> Option<&Value> {
        match self {
            Slots::Small(v) => v.iter().find(|(k, _)| k.same(name)).map(|(_, v)| v),
            Slots::Large(m) => m.get(name.as_str()),
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Slots::Small(v) => v.len(),
            Slots::Large(m) => m.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn names(&self) -> Vec<Key> {
        match self {
            Slots::Small(v) => v.iter().map(|(k, _)| k.clone()).collect(),
            Slots::Large(m) => m.keys().cloned().collect(),
        }
    }
    /// Sets an own slot; a new slot is charged.
    pub(crate) fn set(&mut self, name: Key, value: Value) -> R<()> {
        match self {
            Slots::Small(v) => {
                if let Some(slot) = v.iter_mut().find(|(k, _)| k.same(&name)) {
                    slot.1 = value;
                    return Ok(());
                }
                limits::charge(ENTRY)?;
                shapes_changed();
                if v.len() < SMALL_SLOTS {
                    v.push((name, value));
                } else {
                    let mut m: Entries = v.drain(..).collect();
                    let _ = m.insert(name, value);
                    *self = Slots::Large(m);
                }
            }
            Slots::Large(m) => {
                if let Some(slot) = m.get_mut(name.as_str()) {
                    *slot = value;
                    return Ok(());
                }
                limits::charge(ENTRY)?;
                shapes_changed();
                let _ = m.insert(name, value);
            }
        }
        Ok(())
    }
    pub(crate) fn for_each_value(&self, f: impl FnMut(&Value)) {
        match self {
            Slots::Small(v) => v.iter().map(|(_, v)| v).for_each(f),
            Slots::Large(m) => m.values().for_each(f),
        }
    }
    fn drain_values(&mut self, out: &mut Vec<Value>) {
        match self {
            Slots::Small(v) => out.extend(v.drain(..).map(|(_, v)| v)),
            Slots::Large(m) => out.extend(m.drain(..).map(|(_, v)| v)),
        }
    }
}

impl Object {
    pub(crate) fn new(name: Option<Rc<str>>, proto: Option<Rc<Object>>) -> R<Rc<Object>> {
        limits::charge(HEADER * 2)?;
        shapes_changed();
        let object = Rc::new(Object {
            name,
            proto,
            slots: RefCell::new(Slots::Small(Vec::new())),
            gc: GcIndex::new(),
        });
        gc::track(Tracked::Object(Rc::as_ptr(&object)), &object.gc);
        Ok(object)
    }

    /// Empties the own slots (the cycle collector freeing the object); the values go to `out`.
    pub(crate) fn clear_into(&self, out: &mut Vec<Value>) {
        if let Ok(mut slots) = self.slots.try_borrow_mut() {
            limits::release(ENTRY * slots.len() as u64);
            slots.drain_values(out);
            shapes_changed();
        }
    }

    /// The object's own slots (not its prototypes'), in insertion order: for hosts that persist
    /// object state.
    pub fn own_slots(&self) -> Vec<(String, Value)> {
        match &*self.slots.borrow() {
            Slots::Small(v) => v
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect(),
            Slots::Large(m) => m
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect(),
        }
    }

    /// Sets an own slot from a host (restoring persisted state). Counted, never refused.
    pub fn set_slot(&self, name: &str, value: Value) {
        let key = Key(Str::constant(name.to_string()));
        let mut slots = self.slots.borrow_mut();
        match &mut *slots {
            Slots::Small(v) => {
                if let Some(slot) = v.iter_mut().find(|(k, _)| k.same(&key)) {
                    slot.1 = value;
                } else if v.len() < SMALL_SLOTS {
                    limits::charge_unchecked(ENTRY);
                    v.push((key, value));
                } else {
                    limits::charge_unchecked(ENTRY);
                    let mut m: Entries = v.drain(..).collect();
                    let _ = m.insert(key, value);
                    *slots = Slots::Large(m);
                }
            }
            Slots::Large(m) => {
                if let Some(slot) = m.get_mut(name) {
                    *slot = value;
                } else {
                    limits::charge_unchecked(ENTRY);
                    let _ = m.insert(key, value);
                }
            }
        }
    }

    /// Removes an own slot from a host (undoing a failed message); true if it was there.
    pub fn remove_slot(&self, name: &str) -> bool {
        let mut slots = self.slots.borrow_mut();
        let removed = match &mut *slots {
            Slots::Small(v) => match v.iter().position(|(k, _)| k.as_str() == name) {
                Some(i) => {
                    let _ = v.remove(i);
                    true
                }
                None => false,
            },
            Slots::Large(m) => m.shift_remove(name).is_some(),
        };
        if removed {
            limits::release(ENTRY);
        }
        removed
    }

    /// Finds slot `name` along the prototype chain.
    #[inline]
    pub fn lookup(self: &Rc<Object>, name: &Key) -> Option<Value> {
        let mut current = self;
        loop {
            if let Some(v) = current.slots.borrow().get(name) {
                return Some(v.clone());
            }
            match &current.proto {
                Some(p) => current = p,
                None => return None,
            }
        }
    }

    /// `lookup` through a send's inline cache.
    #[inline]
    pub(crate) fn lookup_cached(
        self: &Rc<Object>,
        name: &Key,
        cache: &Cell<crate::tree::SendCache>,
    ) -> Option<Value> {
        let c = cache.get();
        let epoch = shape_epoch();
        let receiver = Rc::as_ptr(self) as usize;
        if c.epoch == epoch && c.receiver == receiver {
            let mut current = self;
            let mut hops = c.hops;
            while hops > 0 {
                match &current.proto {
                    Some(p) => current = p,
                    None => break,
                }
                hops -= 1;
            }
            if hops == 0 {
                if let Slots::Small(v) = &*current.slots.borrow() {
                    if let Some((k, value)) = v.get(c.index as usize) {
                        if k.same(name) {
                            return Some(value.clone());
                        }
                    }
                }
            }
        }
        let mut current = self;
        let mut hops = 0u32;
        loop {
            match &*current.slots.borrow() {
                Slots::Small(v) => {
                    if let Some(i) = v.iter().position(|(k, _)| k.same(name)) {
                        cache.set(crate::tree::SendCache {
                            epoch,
                            receiver,
                            hops,
                            index: i as u32,
                        });
                        return Some(v[i].1.clone());
                    }
                }
                Slots::Large(m) => {
                    if let Some(v) = m.get(name.as_str()) {
                        return Some(v.clone());
                    }
                }
            }
            match &current.proto {
                Some(p) => current = p,
                None => return None,
            }
            hops += 1;
        }
    }

    /// The name of the nearest named object on the chain (itself first).
    pub fn display_name(&self) -> &str {
        let mut current = self;
        loop {
            if let Some(name) = &current.name {
                return name;
            }
            match &current.proto {
                Some(p) => current = p,
                None => return "object",
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Functions

/// A function value: compiled code plus the cells it captured.
pub struct Closure {
    pub(crate) proto: Rc<crate::tree::FnProto>,
    pub(crate) upvals: Box<[gc::CellRef]>,
    pub(crate) gc: GcIndex,
}

impl Closure {
    /// Counted like a small list (a header and a word per captured cell), never refused (the
    /// caller charges first where the program may run out of memory).
    pub(crate) fn new(proto: Rc<crate::tree::FnProto>, upvals: Box<[gc::CellRef]>) -> Rc<Closure> {
        limits::charge_unchecked(Closure::bytes(upvals.len()));
        let closure = Rc::new(Closure {
            proto,
            upvals,
            gc: GcIndex::new(),
        });
        gc::track(Tracked::Fn(Rc::as_ptr(&closure)), &closure.gc);
        closure
    }
    pub(crate) fn bytes(upvals: usize) -> u64 {
        HEADER + 8 * upvals as u64
    }
    pub fn name(&self) -> Option<&str> {
        self.proto.name.as_deref()
    }
}

impl std::fmt::Debug for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<fn {}>", self.name().unwrap_or(""))
    }
}

// ---------------------------------------------------------------------------------------------
// Iterative drop

impl Drop for List {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        let items = std::mem::take(self.items.get_mut());
        limits::release(HEADER + ELEM * items.len() as u64);
        drop_values(items);
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        let entries = std::mem::take(self.entries.get_mut());
        limits::release(HEADER + ENTRY * entries.len() as u64);
        drop_values(entries.into_values().collect());
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        let slots = self.slots.get_mut();
        limits::release(HEADER * 2 + ENTRY * slots.len() as u64);
        let mut values = Vec::new();
        slots.drain_values(&mut values);
        if let Some(p) = self.proto.take() {
            values.push(Value::Object(p));
        }
        drop_values(values);
    }
}

impl Drop for Closure {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        limits::release(Closure::bytes(self.upvals.len()));
        let mut values = Vec::new();
        for cell in std::mem::take(&mut self.upvals).into_vec() {
            if let Ok(cell) = Rc::try_unwrap(cell) {
                values.push(cell.into_inner());
            }
        }
        drop_values(values);
    }
}

/// Drops values without recursion: children of containers whose last reference goes away here
/// are moved onto a work list first, so the container itself drops empty.
pub(crate) fn drop_values(mut work: Vec<Value>) {
    while let Some(value) = work.pop() {
        match value {
            Value::List(rc) => {
                if let Some(list) = unique(rc) {
                    let mut items = list.items.borrow_mut();
                    limits::release(ELEM * items.len() as u64);
                    work.append(&mut items);
                }
            }
            Value::Map(rc) => {
                if let Some(map) = unique(rc) {
                    let mut entries = map.entries.borrow_mut();
                    limits::release(ENTRY * entries.len() as u64);
                    work.extend(entries.drain(..).map(|(_, v)| v));
                }
            }
            Value::Object(rc) => {
                if let Some(mut obj) = unique(rc) {
                    if let Some(obj) = Rc::get_mut(&mut obj) {
                        let slots = obj.slots.get_mut();
                        limits::release(ENTRY * slots.len() as u64);
                        slots.drain_values(&mut work);
                        if let Some(p) = obj.proto.take() {
                            work.push(Value::Object(p));
                        }
                    }
                }
            }
            Value::Fn(rc) => {
                if let Some(mut clo) = unique(rc) {
                    if let Some(clo) = Rc::get_mut(&mut clo) {
                        limits::release(8 * clo.upvals.len() as u64);
                        for cell in std::mem::take(&mut clo.upvals).into_vec() {
                            if let Ok(cell) = Rc::try_unwrap(cell) {
                                work.push(cell.into_inner());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `Some(rc)` when this is the last reference (so emptying it is unobservable).
fn unique<T>(rc: Rc<T>) -> Option<Rc<T>> {
    if Rc::strong_count(&rc) == 1 && Rc::weak_count(&rc) == 0 {
        Some(rc)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Conveniences for hosts

impl Value {
    /// A string value (counted against the memory limit of the running call, never refused).
    pub fn string(text: impl Into<String>) -> Value {
        Value::Str(Str::constant(text.into()))
    }
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List::constant(items))
    }
    /// A map from key/value pairs (later duplicates replace earlier ones).
    pub fn map(pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
        let entries: Entries = pairs
            .into_iter()
            .map(|(k, v)| (Key(Str::constant(k)), v))
            .collect();
        Value::Map(Map::constant(entries))
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
    /// `type_of(x)`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Object(_) | Value::Capability(_) => "object",
            Value::Fn(_) | Value::Builtin(_) => "fn",
        }
    }
}

impl std::fmt::Display for Value {
    /// `str(x)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        let _ = crate::print::write_value(&mut out, self);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<R<Value>>(), 16);
    }

    #[test]
    fn short_strings_grow_past_the_inline_buffer() -> R<()> {
        let mut s = Str::from_str("é")?;
        let mut expected = String::from("é");
        for i in 0..40 {
            let part = if i % 3 == 0 { "ü" } else { "ab" };
            let s_mut = Rc::get_mut(&mut s).ok_or_else(|| type_err("shared"))?;
            if i % 2 == 0 {
                s_mut.push_str(part)?;
                expected.push_str(part);
            } else {
                s_mut.push_front(part)?;
                expected.insert_str(0, part);
            }
            assert_eq!(s.as_str(), expected);
            assert_eq!(s.char_len(), expected.chars().count());
        }
        for n in [
            0,
            7,
            -7,
            10,
            99,
            100,
            -100,
            12345,
            999_999,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(Str::int(n)?.as_str(), n.to_string());
        }
        assert_eq!(Str::concat("ab", "cd")?.as_str(), "abcd");
        let long = "x".repeat(30);
        assert_eq!(Str::concat(&long, "é")?.as_str(), format!("{long}é"));
        Ok(())
    }

    #[test]
    fn deep_lists_drop_without_recursion() {
        let mut v = Value::Nil;
        for _ in 0..1_000_000 {
            v = Value::list(vec![v]);
        }
        drop(v);
    }
}
