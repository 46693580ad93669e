package dev.cacheaside.store;

import dev.cacheaside.StampedeContract;
import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Core's {@link StampedeContract} on a store of this module: every {@link #newStore()} is a new
 * client with its own connection (as a separate service instance holds), and every client made
 * during a test is closed after it.
 *
 * <p>The clients are closed by an extension, which JUnit runs after every {@code @AfterEach}
 * method, so the contract's own checks after each test (no load in flight, no lease left)
 * still run on open clients.
 */
public abstract class StoreStampedeContract extends StampedeContract {

    private final List<CacheStore> clients = new CopyOnWriteArrayList<>();

    @RegisterExtension
    final AfterEachCallback closeEveryClient = context -> {
        List<Throwable> failures = new ArrayList<>();
        for (CacheStore client : clients) {
            try {
                client.closeAsync().block(Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        clients.clear();
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("closing " + failures.size() + " store client(s) failed");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    };

    /** A new client of the shared cache server (or a new view of a shared in-process store). */
    protected abstract CacheStore createClient();

    @Override
    protected final CacheStore newStore() {
        CacheStore client = createClient();
        clients.add(client);
        return client;
    }
}
