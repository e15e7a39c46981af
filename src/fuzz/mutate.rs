//! A deterministic mutation driver: a seeded PRNG and the usual byte-level mutations (bit
//! flips, interesting values, inserts, deletes, duplicated ranges, splices of another corpus
//! entry, truncation). No coverage feedback: the corpus is the captures' real datagrams and
//! payloads, so mutations start close to what the decoders see.

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Byte values that sit on the edges of CoAP, TLV, CBOR and JSON encodings: option nibbles 13,
/// 14, 15, the payload marker, CBOR's indefinite-length and break bytes, quotes and brackets.
const INTERESTING: [u8; 24] = [
    0x00, 0x01, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0x9f, 0xbf, 0xc0, 0xd0, 0xe0, 0xf0,
    0xff, b'"', b'{', b'[', b',',
];

/// A mutant of `corpus[i]` for a random `i`: one to eight stacked mutations, capped at `max_len`.
pub fn mutant(rng: &mut Rng, corpus: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    if corpus.is_empty() || rng.chance(64) {
        let len = rng.below(max_len.min(512) + 1);
        return (0..len).map(|_| rng.byte()).collect();
    }
    let mut data = corpus[rng.below(corpus.len())].clone();
    for _ in 0..1 + rng.below(8) {
        mutate(rng, &mut data, corpus);
    }
    data.truncate(max_len);
    data
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.byte();
        }
        2 if len > 0 => {
            let i = rng.below(len);
            data[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        3 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            data.splice(at..at, bytes);
        }
        4 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(32));
            data.drain(at..at + n);
        }
        5 if len > 0 => {
            // Duplicate a range in place: repeated options, records, nested containers.
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            let copy = data[at..at + n].to_vec();
            let to = rng.below(len + 1);
            data.splice(to..to, copy);
        }
        6 if !corpus.is_empty() => {
            // Splice: our head, another entry's tail.
            let other = &corpus[rng.below(corpus.len())];
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        7 if len > 0 => data.truncate(rng.below(len)),
        8 if len > 1 => {
            // A big-endian 16-bit edge value: lengths, Message IDs, option deltas.
            let i = rng.below(len - 1);
            let v: u16 = [0, 1, 12, 13, 268, 269, 0x7fff, 0x8000, 0xfffe, 0xffff][rng.below(10)];
            data[i..i + 2].copy_from_slice(&v.to_be_bytes());
        }
        9 if len > 0 => {
            // Arithmetic on one byte, as on a length field.
            let i = rng.below(len);
            let d = 1 + rng.below(16) as u8;
            data[i] = if rng.chance(2) {
                data[i].wrapping_add(d)
            } else {
                data[i].wrapping_sub(d)
            };
        }
        _ => {
            let at = rng.below(len + 1);
            let b = INTERESTING[rng.below(INTERESTING.len())];
            data.splice(at..at, std::iter::repeat_n(b, 1 + rng.below(8)));
        }
    }
}
