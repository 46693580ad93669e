package dev.cacheaside.memcached;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongFunction;
import reactor.core.publisher.Mono;

/**
 * The servers of one store: one {@link ServerConnection} per server, the ketama ring
 * ({@link KetamaRing}) that gives each key its server, and the sending of one command to a key's
 * server. Owns the Vert.x {@code NetClient}, and the Vert.x instance when the options carry
 * none, and closes them.
 *
 * <p>Thread safe. {@link #call} is lazy (nothing is sent before subscription), never blocks, and
 * delivers on the connection's event loop. After {@link #close()} every call signals an
 * {@link IllegalStateException}; an invalid key is signalled as an {@link IllegalArgumentException}.
 */
final class ServerRouter {

    private final Vertx vertx;
    private final boolean ownVertx;
    private final NetClient client;
    private final List<ServerConnection> connections;
    private final KetamaRing<ServerConnection> ring;
    private final AtomicLong opaques = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Mono<Void> closeMono;

    /** Connections to the servers of {@code options}; each connects on its first request. */
    ServerRouter(MemcachedStoreOptions options) {
        this.ownVertx = options.vertx() == null;
        this.vertx = ownVertx
                ? Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
                        Math.max(1, Math.min(options.servers().size(), Runtime.getRuntime().availableProcessors()))))
                : options.vertx();
        this.client = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true));
        List<ServerConnection> list = new ArrayList<>();
        for (String server : options.servers()) {
            int colon = server.lastIndexOf(':');
            list.add(new ServerConnection(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)),
                    vertx, client, options));
        }
        this.connections = List.copyOf(list);
        this.ring = new KetamaRing<>(connections, options.servers(), options.pointsPerServer());
        this.closeMono = Mono.defer(this::doClose).cache();
    }

    /** Whether {@link #close()} has begun. */
    boolean isClosed() {
        return closing.get();
    }

    /**
     * Closes every connection, then the client, then the Vert.x instance when it is this
     * router's own. Lazy and idempotent: every subscription shares the one close.
     */
    Mono<Void> close() {
        return closeMono;
    }

    /** Sends one command to the key's server and maps its answer; {@code null} from the mapper is empty. */
    <T> Mono<T> call(String key, LongFunction<Buffer> command, Function<Response, T> mapper) {
        return call(key, command, mapper, null);
    }

    /**
     * As {@link #call(String, LongFunction, Function)}; an answer that comes after the caller gave
     * up (timed out, cancelled) goes to {@code lateResponse} when it is not {@code null}.
     */
    <T> Mono<T> call(String key, LongFunction<Buffer> command, Function<Response, T> mapper,
                     java.util.function.Consumer<Response> lateResponse) {
        return Mono.defer(() -> {
            if (closing.get()) {
                return closedError();
            }
            String invalid = MetaCommands.invalidKey(key);
            if (invalid != null) {
                return Mono.error(new IllegalArgumentException(invalid));
            }
            ServerConnection connection = ring.nodeFor(key);
            long opaque = opaques.incrementAndGet() & 0x7FFF_FFFFL;
            Buffer bytes = command.apply(opaque);
            return Mono.<T>create(sink -> {
                Request request = new Request(bytes, opaque, new Request.Callback() {
                    @Override
                    public void onResponse(Response response) {
                        T result;
                        try {
                            result = mapper.apply(response);
                        } catch (RuntimeException e) {
                            sink.error(e);
                            return;
                        }
                        if (result == null) {
                            sink.success();
                        } else {
                            sink.success(result);
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        sink.error(error);
                    }
                });
                if (lateResponse != null) {
                    request.onLateResponse(lateResponse);
                }
                sink.onCancel(request::cancel);
                connection.submit(request);
                if (closing.get()) {
                    // closed meanwhile: the connection may never run the request (its event loop
                    // may be gone), so fail it here; a request completes at most once
                    request.fail(new IllegalStateException("the memcached store is closed"));
                }
            });
        });
    }

    /** Empty after the closed and key checks, for operations that need not reach the server. */
    Mono<Void> checked(String key) {
        return Mono.defer(() -> {
            if (closing.get()) {
                return closedError();
            }
            String invalid = MetaCommands.invalidKey(key);
            return invalid == null ? Mono.<Void>empty() : Mono.<Void>error(new IllegalArgumentException(invalid));
        });
    }

    /** The error of every operation after {@link #close()}. */
    static <T> Mono<T> closedError() {
        return Mono.error(new IllegalStateException("the memcached store is closed"));
    }

    private Mono<Void> doClose() {
        closing.set(true);
        List<Future<Void>> closes = new ArrayList<>();
        for (ServerConnection c : connections) {
            closes.add(c.close());
        }
        Future<Void> all = Future.join(closes).transform(ar -> client.close());
        if (ownVertx) {
            all = all.transform(ar -> vertx.close());
        }
        return Mono.fromCompletionStage(all.toCompletionStage());
    }
}
