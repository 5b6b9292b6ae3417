//! What a hostile client sends, built for tests and benchmarks of the
//! server's bounds: Automerge sync messages that ask for far more than
//! their size.

use std::io::Write;

use doorstep_sync::codec::put_leb;
use flate2::write::DeflateEncoder;
use flate2::Compression;

/// Automerge's chunk magic bytes.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// A sync message (Automerge's v1 format) carrying one
/// [`inflation_bomb_chunk`].
pub fn inflation_bomb(inflated: u64) -> Vec<u8> {
    let chunk = inflation_bomb_chunk(inflated);
    // Message type, no heads, no needs, no haves, one change.
    let mut message = vec![0x42, 0, 0, 0, 1];
    put_leb(&mut message, chunk.len() as u64);
    message.extend(chunk);
    message
}

/// A compressed change chunk whose DEFLATE data inflates to `inflated`
/// zero bytes: about a thousandth of that on the wire.
pub fn inflation_bomb_chunk(inflated: u64) -> Vec<u8> {
    let mut deflate = DeflateEncoder::new(Vec::new(), Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        deflate.write_all(&block[..n]).expect("deflate to memory");
        left -= n as u64;
    }
    let data = deflate.finish().expect("deflate to memory");
    let mut chunk = MAGIC.to_vec();
    chunk.extend([0; 4]); // checksum: never reached
    chunk.push(2); // a compressed change
    put_leb(&mut chunk, data.len() as u64);
    chunk.extend(&data);
    chunk
}
