package dev.cacheaside.bench;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.bench.ClosedLoop.Cell;
import dev.cacheaside.bench.Results.Floor;
import dev.cacheaside.bench.Results.Statement;
import dev.cacheaside.bench.jmh.CodecAccess;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.QueryExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * What a near tier on Memcached would pay per hit, crudely, at concurrency 1: Memcached has no
 * server push, so a near copy could only be trusted after asking the server whether the item
 * changed, a meta get of its CAS alone ({@code mg <key> c}: no value, no decode). Measured against
 * the full read of the same item plus the library's decode ({@code mg <key> v c f} + decode) on the
 * same blocking socket, and the library's own remote hit, interleaved round by round. The entry is
 * the library's encoding of the statement's rows, written with {@code ms} under a key of this run's
 * own on the first Memcached server. A crude bound: the socket is a plain blocking one, not the
 * library's client.
 */
final class MemcachedRevalidation {

    static final String STORE = "memcached-revalidate";
    static final String REVALIDATE = "mg c (revalidate)";
    static final String FULL = "mg v + decode";
    static final String LIBRARY = "library hit";

    private MemcachedRevalidation() {
    }

    static void run(LoadDriver.Plan plan, Results results, Progress progress, String db, Statement st) {
        String first = Servers.address("memcached").split(",")[0].strip();
        int colon = first.lastIndexOf(':');
        CacheStore store = Servers.cache("memcached");
        CacheAsideOptions options = CacheAsideOptions.builder().defaultTtl(Duration.ofHours(1))
                .keyPrefix("bench-reval-" + UUID.randomUUID().toString().substring(0, 8) + ":").build();
        try (QueryExecutor executor = Servers.database(db, plan.database(), 4);
             CacheAside cache = CacheAside.builder().database(new CountingExecutor(executor)).cache(store).options(options).build();
             Socket socket = new Socket(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)))) {
            socket.setTcpNoDelay(true);
            cache.connect(Duration.ofSeconds(30)).block(Duration.ofSeconds(35));
            byte[] entry = null;
            // a loaded machine may time a first fill out (the cache's 250 ms): fill again, within 30 s
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (entry == null && System.nanoTime() < deadline) {
                cache.refresh(st.sql()).block(Duration.ofMinutes(1));
                entry = store.get(cache.keyFor(st.sql())).onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(10));
            }
            if (entry == null) {
                throw new IllegalStateException("memcached at " + Servers.address("memcached") + ": no entry after fills for 30 s");
            }
            Wire wire = new Wire(socket);
            String key = "bench-reval-" + UUID.randomUUID().toString().substring(0, 8);
            wire.set(key, entry);
            long cas = wire.cas(key);
            Map<String, Supplier<Mono<?>>> variants = new LinkedHashMap<>();
            variants.put(REVALIDATE, blocking(() -> {
                if (wire.cas(key) != cas) {
                    throw new IllegalStateException("the item changed");
                }
                return cas;
            }));
            variants.put(FULL, blocking(() -> CodecAccess.decode(wire.value(key))));
            variants.put(LIBRARY, () -> cache.query(st.sql()));
            List<String> names = new ArrayList<>(variants.keySet());
            Map<String, List<Cell>> rounds = new LinkedHashMap<>();
            for (String name : names) {
                ClosedLoop.run(1, plan.floorWarmup(), Long.MAX_VALUE, variants.get(name));
            }
            for (int r = 0; r < plan.floorRounds(); r++) {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get((i + r) % names.size());
                    Cell cell = ClosedLoop.run(1, plan.floorRound(), Long.MAX_VALUE, variants.get(name));
                    rounds.computeIfAbsent(name, n -> new ArrayList<>()).add(cell);
                    progress.cell("memcached revalidation c=1 %-18s round %d/%d: %,.0f ops/s, p50 %s, p99 %s",
                            name, r + 1, plan.floorRounds(), cell.throughput(), LoadDriver.micros(cell.p50Micros()),
                            LoadDriver.micros(cell.p99Micros()));
                }
            }
            for (String name : names) {
                List<Cell> cells = rounds.get(name);
                results.floors.add(new Floor(STORE, name, 1,
                        LoadDriver.median(cells.stream().mapToDouble(Cell::throughput).toArray()),
                        LoadDriver.median(cells.stream().mapToDouble(Cell::p50Micros).toArray()),
                        LoadDriver.median(cells.stream().mapToDouble(Cell::p99Micros).toArray()),
                        cells.stream().mapToLong(Cell::errors).sum()));
            }
            wire.delete(key);
        } catch (IOException e) {
            throw new UncheckedIOException("memcached at " + first, e);
        }
    }

    private static Supplier<Mono<?>> blocking(Callable<?> call) {
        return () -> Mono.fromCallable(call);
    }

    /** The few meta commands this needs, on one blocking socket. Not thread safe. */
    private static final class Wire {
        private final OutputStream out;
        private final InputStream in;

        Wire(Socket socket) throws IOException {
            this.out = socket.getOutputStream();
            this.in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
        }

        void set(String key, byte[] value) throws IOException {
            out.write(("ms " + key + " " + value.length + " T3600\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(value);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(line(), "HD");
        }

        long cas(String key) throws IOException {
            out.write(("mg " + key + " c\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = line();
            expect(answer, "HD");
            return Long.parseLong(answer.substring(answer.indexOf(" c") + 2).split(" ")[0]);
        }

        byte[] value(String key) throws IOException {
            out.write(("mg " + key + " v c f\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String header = line();
            expect(header, "VA");
            int length = Integer.parseInt(header.split(" ")[1]);
            byte[] value = in.readNBytes(length);
            in.readNBytes(2);
            return value;
        }

        void delete(String key) throws IOException {
            out.write(("md " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            line();
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        private static void expect(String answer, String prefix) {
            if (!answer.startsWith(prefix)) {
                throw new IllegalStateException("memcached answered '" + answer + "', expected " + prefix);
            }
        }
    }
}
