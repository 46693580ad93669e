package dev.cacheaside.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;

/**
 * BlockHound for every integration test: a blocking call on a thread that must never block (a
 * Reactor {@code parallel}/{@code single} thread, a Netty event loop such as Lettuce's
 * {@code lettuce-epollEventLoop} or the R2DBC drivers' {@code reactor-tcp-*}, or a Vert.x event
 * loop) fails the test that was running.
 *
 * <p>Registered through {@code META-INF/services/org.junit.jupiter.api.extension.Extension} in
 * core's test-jar, which every module's tests have on their class path; JUnit loads it only
 * where {@code junit.jupiter.extensions.autodetection.enabled} is true, which the parent POM sets
 * for Failsafe alone (unit tests run without it). Failsafe also passes
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods}, which BlockHound needs on Java 13 and later.
 *
 * <p>BlockHound is installed once per JVM. A blocking call is not thrown at the caller (an error
 * thrown on an event loop is often swallowed: Reactor's {@code onErrorDropped}, Netty's
 * exception logging), but recorded with the thread and stack; after each test and after each
 * class the record is checked and emptied, and any entry fails that test, wherever the thread
 * was. A call recorded between two tests fails the next one to finish.
 */
public final class BlockHoundExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();
    private static final List<Violation> VIOLATIONS = new ArrayList<>();
    /** Distinct (method, thread-name prefix) pairs already printed, so a loop prints once. */
    private static final Set<String> PRINTED = ConcurrentHashMap.newKeySet();

    /** Thread names of event loops that BlockHound's own integrations may not mark. */
    private static final List<String> EVENT_LOOP_PREFIXES = List.of(
            "vert.x-eventloop-thread-",   // Vert.x event loops (the Memcached client)
            "lettuce-",                   // Lettuce's epoll/nio event loops, its event executors and timer
            "reactor-tcp-",               // reactor-netty loops of the R2DBC drivers
            "reactor-http-");             // reactor-netty loops of WebFlux servers and clients

    /** Frames of each distinct violation written into the failure's message. */
    private static final int MAX_FRAMES = 25;

    private record Violation(String method, String thread, Throwable where) {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context.getDisplayName() + " (after all)");
    }

    /** Installs BlockHound once in this JVM; later calls do nothing. */
    public static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        BlockHound.Builder builder = BlockHound.builder();
        builder
                // the integrations on the class path first (Reactor's: its parallel and single
                // schedulers, its own allowances; Netty's, where present), then ours on top
                .loadIntegrations()
                .nonBlockingThreadPredicate(current -> current.or(BlockHoundExtension::isEventLoop))
                .blockingMethodCallback(BlockHoundExtension::record)
                // Logback's appenders write to the console under a lock: logging is allowed
                // anywhere, and a WARN logged on an event loop is not the library blocking
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes")
                .allowBlockingCallsInside("ch.qos.logback.core.UnsynchronizedAppenderBase", "doAppend")
                // the first use of a class on an event loop reads its bytes from the jar
                .allowBlockingCallsInside("java.lang.ClassLoader", "loadClass")
                // Netty extracts and loads its native transport (epoll) once per JVM, in a static
                // initializer, on whichever thread touches it first (the MySQL driver's connect)
                .allowBlockingCallsInside("io.netty.util.internal.NativeLibraryLoader", "load")
                // the same for zstd-jni (Kafka's, so on the class path with cache-aside-debezium):
                // Netty's HttpContentDecompressor initializes its Zstd codec, which extracts and
                // loads zstd's native library once per JVM, on the HTTP client's event loop
                .allowBlockingCallsInside("com.github.luben.zstd.util.Native", "load")
                // an idle Netty executor (lettuce-eventExecutorLoop) parks in its own task queue
                // until a task arrives: that is its wait for work, not a task blocking it
                .allowBlockingCallsInside("io.netty.util.concurrent.SingleThreadEventExecutor", "takeTask")
                // Netty's HashedWheelTimer (lettuce-timer) sleeps until its next tick by design;
                // the timeouts it fires run after the sleep, and are checked
                .allowBlockingCallsInside("io.netty.util.HashedWheelTimer$Worker", "waitForNextTick")
                // Lettuce writes a command under its SharedLock (a ReentrantLock held for the
                // enqueue only): a writer parks there only while another thread writes to the
                // same connection, as many do at once in the stampede and race tests
                .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
                .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "lockWritersExclusive")
                // ... and checks its queue's size before a write (ArrayBlockingQueue.size takes
                // the queue's lock for that read)
                .allowBlockingCallsInside("io.lettuce.core.protocol.DefaultEndpoint", "validateWrite")
                // ... and, for a command written while the connection is still being activated,
                // adds it to its buffer of commands sent on activation: with a bounded request
                // queue that is an ArrayBlockingQueue, whose lock is held for one add or poll (the
                // activation drains it on the event loop at the same time)
                .allowBlockingCallsInside("io.lettuce.core.protocol.DefaultEndpoint", "writeToDisconnectedBuffer")
                .allowBlockingCallsInside("io.lettuce.core.protocol.DefaultEndpoint", "writeToBuffer")
                // closing a store shuts Lettuce's executors down once; the shutdown wakes each
                // executor through its task queue's lock
                .allowBlockingCallsInside("io.netty.util.concurrent.SingleThreadEventExecutor", "shutdownGracefully")
                // Netty's adaptive buffer allocator adds magazines under a lock, when its pools
                // grow (rarely; no I/O is done under it)
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
                // Lettuce builds a TLS context for each new connection on its event loop; the
                // JDK's SSLContext init draws a seed from /dev/urandom (NativePRNG), which does
                // not block on Linux once the kernel's pool is initialized (long before tests)
                .allowBlockingCallsInside("io.netty.handler.ssl.JdkSslClientContext", "newSSLContext")
                // Lettuce's cluster connection clears its connection cache under a lock once,
                // when it closes
                .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider",
                        "resetFastConnectionCache")
                // ... and when a node connection's handshake completes, registers it under its
                // state lock (a ReentrantLock held for the registration only; contended only while
                // connections to several nodes come up at once). Lettuce 7.7.0's compiled lambda.
                .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider$NodeConnectionPostProcessor",
                        "lambda$apply$4")
                // ... and remembers a slot's node connection, the first time a command goes to the
                // slot, in its per-slot array under the same lock (seen contended with the CPUs
                // saturated). The method and, for a connection that completes later, its lambdas.
                .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider", "getWriteConnection")
                .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider",
                        "lambda$getWriteConnection$1")
                .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider", "getReadConnection")
                // ... and, making a node connection, builds its command proxy from a JVM-wide cache
                // of method translations guarded by a ReentrantLock (held for one lookup; contended
                // only while connections to several nodes are made at once on different loops)
                .allowBlockingCallsInside("io.lettuce.core.internal.AbstractInvocationHandler$MethodTranslator", "of")
                .allowBlockingCallsInside("io.lettuce.core.cluster.PooledClusterConnectionProvider",
                        "lambda$getReadConnection$5")
                // Vert.x shuts its worker pools down once, when the Vertx instance closes, on
                // one of its own threads (ThreadPoolExecutor.shutdownNow takes the pool's lock)
                .allowBlockingCallsInside("io.vertx.core.internal.WorkerPool", "close")
                // r2dbc-mariadb 1.4.2 (a driver, not this library): it looks its authentication
                // plugins up with ServiceLoader on each new connection, on its event loop ...
                .allowBlockingCallsInside("org.mariadb.r2dbc.authentication.AuthenticationFlowPluginLoader", "get");
        // ... and guards its command queue with a ReentrantLock, held only to enqueue or read a
        // command: a thread parks there only while another enqueues on the same connection
        for (String method : List.of("lambda$sendCommand$17", "lambda$sendCommand$20", "lambda$receive$15",
                "executeWhenNotInTransaction", "executeWhenTransaction", "setAutoCommit", "sendCommandWithoutResult")) {
            builder.allowBlockingCallsInside("org.mariadb.r2dbc.client.SimpleClient", method);
        }
        builder.install();
    }

    static boolean isEventLoop(Thread thread) {
        String name = thread.getName();
        for (String prefix : EVENT_LOOP_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void record(BlockingMethod method) {
        Thread thread = Thread.currentThread();
        Error where = new Error("blocking call " + method + " on thread " + thread.getName());
        synchronized (VIOLATIONS) {
            VIOLATIONS.add(new Violation(method.toString(), thread.getName(), where));
        }
        if (PRINTED.add(method + "@" + thread.getName().replaceAll("\\d+$", ""))) {
            where.printStackTrace();
        }
    }

    private static void check(String where) {
        List<Violation> found;
        synchronized (VIOLATIONS) {
            if (VIOLATIONS.isEmpty()) {
                return;
            }
            found = new ArrayList<>(VIOLATIONS);
            VIOLATIONS.clear();
        }
        StringBuilder message = new StringBuilder()
                .append(found.size()).append(" blocking call(s) on non-blocking threads, noticed after ")
                .append(where).append(':');
        Set<String> shown = new java.util.HashSet<>();
        for (Violation v : found) {
            String line = v.method() + " on " + v.thread();
            if (shown.add(line)) {
                message.append("\n  ").append(line);
                appendWhere(message, v.where());
            }
        }
        throw new AssertionError(message.toString(), found.get(0).where());
    }

    /**
     * The frames of {@code where} from the blocking method's caller on, so that the build's
     * summary (which prints only the message) shows who blocked.
     */
    private static void appendWhere(StringBuilder message, Throwable where) {
        StackTraceElement[] frames = where.getStackTrace();
        int shown = 0;
        for (StackTraceElement frame : frames) {
            String type = frame.getClassName();
            if (type.startsWith("reactor.blockhound.") || type.startsWith(BlockHoundExtension.class.getName())
                    || type.startsWith("jdk.internal.misc.Unsafe")) {
                continue;
            }
            message.append("\n      at ").append(frame);
            if (++shown == MAX_FRAMES) {
                message.append("\n      ...");
                return;
            }
        }
    }
}
