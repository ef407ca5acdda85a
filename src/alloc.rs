//! The global allocator: mimalloc, called the way std calls the system allocator.
//!
//! The `mimalloc` crate sends every request through `mi_malloc_aligned`, whose extra
//! checks (and, for blocks over 1 KiB, its generic path) were 3% of a cold check's
//! instructions. Almost every Rust allocation asks for an alignment mimalloc gives
//! anyway (16 bytes, or the block's size when smaller), so, as std's `System` does with
//! `malloc`, those go to plain `mi_malloc`/`mi_realloc`; the rest to the crate's
//! aligned calls. Both come from the same heaps, so either frees either.

use std::alloc::{GlobalAlloc, Layout};

/// What `mi_malloc` aligns every block to (`MI_MAX_ALIGN_SIZE`; a block smaller than
/// this is aligned to its size class, which is at least its size rounded to 8).
const MIN_ALIGN: usize = 16;

pub struct Mimalloc;

/// True where plain `mi_malloc(size)` meets the layout (the rule std's `System` uses).
fn plain(align: usize, size: usize) -> bool {
    align <= MIN_ALIGN && align <= size
}

// SAFETY: every path returns memory from mimalloc meeting the layout (see `plain`),
// null on failure; `dealloc` and `realloc` only see pointers mimalloc gave out.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if plain(l.align(), l.size()) {
            unsafe { libmimalloc_sys::mi_malloc(l.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(l) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if plain(l.align(), l.size()) {
            unsafe { libmimalloc_sys::mi_zalloc(l.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(l) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, _l: Layout) {
        unsafe { libmimalloc_sys::mi_free(p.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        if plain(l.align(), new_size) {
            unsafe { libmimalloc_sys::mi_realloc(p.cast(), new_size).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(p, l, new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every small and over-aligned layout comes back aligned, writable, and survives
    /// growing and shrinking with its bytes intact.
    #[test]
    fn blocks_meet_their_layouts_through_realloc() {
        let a = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 7, 8, 15, 16, 17, 100, 1024, 1025, 5000, 70_000] {
                let l = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    for new in [size * 3 + 1, size.div_ceil(2)] {
                        let p = a.alloc(l);
                        assert!(!p.is_null() && p as usize % align == 0, "{size}/{align}");
                        p.write_bytes(0xAB, size);
                        let q = a.realloc(p, l, new);
                        assert!(
                            !q.is_null() && q as usize % align == 0,
                            "{size}->{new}/{align}"
                        );
                        let kept = size.min(new);
                        assert!(
                            (0..kept).all(|i| *q.add(i) == 0xAB),
                            "{size}->{new}/{align}"
                        );
                        a.dealloc(q, Layout::from_size_align(new, align).unwrap());
                    }
                    let z = a.alloc_zeroed(l);
                    assert!(z as usize % align == 0 && (0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, l);
                }
            }
        }
    }
}
