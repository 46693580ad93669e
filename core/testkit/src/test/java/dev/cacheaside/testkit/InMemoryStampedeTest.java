package dev.cacheaside.testkit;

import dev.cacheaside.spi.CacheStore;
import java.time.Duration;

/** The stampede contract on {@link InMemoryCacheStore} in real time: every instance is a client of one store. */
class InMemoryStampedeTest extends StampedeContract {

    private final InMemoryCacheStore shared = InMemoryCacheStore.create();

    @Override
    protected CacheStore createClient() {
        return shared.newClient();
    }

    @Override
    protected Duration serverTtl(String key) {
        return shared.ttlOf(key);
    }
}
