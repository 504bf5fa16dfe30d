// Short copies and fills inline: memory.copy / memory.fill call out of the wasm code (tens of
// nanoseconds each), which dominates when rows are a few dozen floats (im2col of 28x28 images).

// @ts-ignore: decorator
@inline
export function copyBytes(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= 1024) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i + 4 <= bytes; i += 4) store<u32>(dst + i, load<u32>(src + i));
  for (; i < bytes; i++) store<u8>(dst + i, load<u8>(src + i));
}

// @ts-ignore: decorator
@inline
export function zeroBytes(dst: usize, bytes: usize): void {
  if (bytes >= 1024) {
    memory.fill(dst, 0, bytes);
    return;
  }
  const z = i32x4.splat(0);
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, z);
  for (; i + 4 <= bytes; i += 4) store<u32>(dst + i, 0);
  for (; i < bytes; i++) store<u8>(dst + i, 0);
}
