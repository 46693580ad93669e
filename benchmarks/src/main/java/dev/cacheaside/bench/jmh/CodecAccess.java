package dev.cacheaside.bench.jmh;

import dev.cacheaside.CacheAsideOptions;

import dev.cacheaside.internal.RowCodec;
import dev.cacheaside.spi.Rows;

/**
 * The load driver's way to the engine's codec ({@code dev.cacheaside.internal.RowCodec}): the very
 * decode a cache hit runs, so the hand-written baselines ("a raw GET plus the same decode") do
 * exactly the library's decoding work and nothing else. Benchmarks only; not part of the library.
 */
public final class CodecAccess {

    private CodecAccess() {
    }

    /**
     * Decodes bytes written by the library (what a hit decodes).
     *
     * @throws IllegalArgumentException when the bytes are not an entry of the current format
     */
    public static Rows decode(byte[] bytes) {
        return RowCodec.decodeEntry(bytes, CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES).rows();
    }
}
