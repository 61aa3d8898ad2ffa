/**
 * Protobuf wire format: just enough to read and write ONNX files.
 *
 * int64 values are JS numbers: exact up to 2^53, and INT64_MAX / INT64_MIN (the sentinels ONNX uses, e.g. for
 * "slice to the end") round-trip exactly by saturating on write. Large byte fields are kept as views into the
 * source buffer and written back without copying until the final concatenation.
 */

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

export class Reader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as a signed 64-bit value (two's complement), as a double. */
  varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    // Low 28 bits.
    for (; shift < 28; shift += 7) {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return hi * TWO_32 + (lo >>> 0);
    for (shift = 3; shift < 32; shift += 7) {
      b = this.byte();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (b! >= 0x80) throw new ProtoError(`malformed varint at byte ${this.pos}`);
    // hi as signed 32-bit gives the two's complement value.
    return (hi | 0) * TWO_32 + (lo >>> 0);
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ProtoError(`truncated message at byte ${this.pos}`);
    return this.buf[this.pos++];
  }

  tag(): { field: number; wire: WireType } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: (t & 7) as WireType };
  }

  fixed32Float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  fixed64Double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's bytes, as a view (no copy). */
  bytes(): Uint8Array {
    const n = this.varint();
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return utf8Decoder.decode(this.bytes());
  }

  /** A nested message: a Reader over its bytes. */
  sub(): Reader {
    const n = this.varint();
    this.need(n);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  skip(wire: WireType): void {
    switch (wire) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.Bytes: {
        const n = this.varint();
        this.need(n);
        this.pos += n;
        return;
      }
      case WireType.Fixed32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new ProtoError(`unsupported wire type ${wire as number} at byte ${this.pos}`);
    }
  }

  /** Repeated varints, packed or not (the caller has read the tag). */
  varints(wire: WireType, into: number[]): void {
    if (wire === WireType.Bytes) {
      const r = this.sub();
      while (!r.done()) into.push(r.varint());
    } else {
      into.push(this.varint());
    }
  }

  floats(wire: WireType, into: number[]): void {
    if (wire === WireType.Bytes) {
      const r = this.sub();
      while (!r.done()) into.push(r.fixed32Float());
    } else {
      into.push(this.fixed32Float());
    }
  }

  doubles(wire: WireType, into: number[]): void {
    if (wire === WireType.Bytes) {
      const r = this.sub();
      while (!r.done()) into.push(r.fixed64Double());
    } else {
      into.push(this.fixed64Double());
    }
  }

  private need(n: number): void {
    // A length is a varint read as signed 64-bit: a negative one would move the reader backwards (an endless loop).
    if (!(n >= 0)) throw new ProtoError(`negative length ${n} at byte ${this.pos}`);
    if (this.pos + n > this.end) throw new ProtoError(`truncated message at byte ${this.pos} (needs ${n} more bytes)`);
  }
}

/**
 * Builds a message as a list of byte chunks: small writes go into a scratch block, big byte fields and nested
 * messages are appended by reference. `finish()` concatenates once.
 */
export class Writer {
  readonly chunks: Uint8Array[] = [];
  /** Bytes written so far: the chunks' plus the scratch block's used bytes. */
  length = 0;
  private chunkBytes = 0;
  private block = new Uint8Array(256);
  private used = 0;
  private blockView = new DataView(this.block.buffer);

  private ensure(n: number): void {
    if (this.used + n <= this.block.length) return;
    this.flush();
    const size = Math.max(n, Math.min(this.block.length * 2, 1 << 16));
    this.block = new Uint8Array(size);
    this.blockView = new DataView(this.block.buffer);
  }

  private flush(): void {
    if (this.used > 0) {
      this.chunks.push(this.block.subarray(0, this.used));
      this.chunkBytes += this.used;
      this.block = this.block.subarray(this.used);
      this.blockView = new DataView(this.block.buffer, this.block.byteOffset, this.block.byteLength);
      this.used = 0;
    }
  }

  /** A signed 64-bit value as a varint (negative numbers take 10 bytes, as protobuf requires). */
  varint(v: number): void {
    this.ensure(10);
    if (v >= 0 && v < 0x80000000 && Number.isInteger(v)) {
      while (v >= 0x80) {
        this.block[this.used++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.block[this.used++] = v;
      this.recount();
      return;
    }
    let lo: number;
    let hi: number;
    if (!Number.isFinite(v)) throw new ProtoError(`cannot encode ${v} as an integer`);
    v = Math.trunc(v);
    if (v >= TWO_63) {
      hi = 0x7fffffff;
      lo = 0xffffffff;
    } else if (v < -TWO_63) {
      hi = 0x80000000;
      lo = 0;
    } else {
      hi = Math.floor(v / TWO_32);
      lo = v - hi * TWO_32;
      hi = hi >>> 0;
    }
    while (hi > 0 || lo >= 0x80) {
      this.block[this.used++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.block[this.used++] = lo;
    this.recount();
  }

  private recount(): void {
    this.length = this.chunkBytes + this.used;
  }

  tag(field: number, wire: WireType): void {
    this.varint(field * 8 + wire);
  }

  float32(v: number): void {
    this.ensure(4);
    this.blockView.setFloat32(this.used, v, true);
    this.used += 4;
    this.recount();
  }

  float64(v: number): void {
    this.ensure(8);
    this.blockView.setFloat64(this.used, v, true);
    this.used += 8;
    this.recount();
  }

  /** Raw bytes, appended by reference when large. */
  raw(bytes: Uint8Array): void {
    if (bytes.length <= 64) {
      this.ensure(bytes.length);
      this.block.set(bytes, this.used);
      this.used += bytes.length;
    } else {
      this.flush();
      this.chunks.push(bytes);
      this.chunkBytes += bytes.length;
    }
    this.recount();
  }

  /** Everything another writer holds, appended by reference. */
  append(other: Writer): void {
    other.flush();
    this.flush();
    for (const c of other.chunks) this.chunks.push(c);
    this.chunkBytes += other.chunkBytes;
    this.recount();
  }

  // Field helpers.
  int64Field(field: number, v: number | undefined): void {
    if (v === undefined) return;
    this.tag(field, WireType.Varint);
    this.varint(v);
  }

  floatField(field: number, v: number | undefined): void {
    if (v === undefined) return;
    this.tag(field, WireType.Fixed32);
    this.float32(v);
  }

  bytesField(field: number, v: Uint8Array | undefined): void {
    if (v === undefined) return;
    this.tag(field, WireType.Bytes);
    this.varint(v.length);
    this.raw(v);
  }

  stringField(field: number, v: string | undefined): void {
    if (v === undefined) return;
    this.bytesField(field, utf8Encoder.encode(v));
  }

  messageField(field: number, sub: Writer): void {
    this.tag(field, WireType.Bytes);
    this.varint(sub.length);
    this.append(sub);
  }

  packedVarints(field: number, vs: readonly number[] | undefined): void {
    if (!vs || vs.length === 0) return;
    const sub = new Writer();
    for (const v of vs) sub.varint(v);
    this.messageField(field, sub);
  }

  packedFloats(field: number, vs: ArrayLike<number> | undefined): void {
    if (!vs || vs.length === 0) return;
    const f = vs instanceof Float32Array ? vs : Float32Array.from(vs);
    this.bytesField(field, new Uint8Array(f.buffer, f.byteOffset, f.byteLength).slice());
  }

  packedDoubles(field: number, vs: ArrayLike<number> | undefined): void {
    if (!vs || vs.length === 0) return;
    const f = vs instanceof Float64Array ? vs : Float64Array.from(vs);
    this.bytesField(field, new Uint8Array(f.buffer, f.byteOffset, f.byteLength).slice());
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunkBytes > 0x7fffffff) {
      throw new ProtoError(`the encoded model would be ${(this.chunkBytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GB limit`);
    }
    const out = new Uint8Array(this.chunkBytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
