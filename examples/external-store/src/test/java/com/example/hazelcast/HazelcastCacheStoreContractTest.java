package com.example.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testkit.CacheStoreContract;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The kit's store contract on {@link HazelcastCacheStore}: every store of a test is a client of one member. */
class HazelcastCacheStoreContractTest extends CacheStoreContract {

    private static HazelcastInstance member;

    @BeforeAll
    static void startMember() {
        member = EmbeddedMember.start();
    }

    @AfterAll
    static void stopMember() {
        member.shutdown();
    }

    @Override
    protected CacheStore createStore() {
        return HazelcastCacheStore.create(member);
    }

    @Override
    protected Set<Class<? extends CacheStore>> capabilities() {
        return Set.of(TaggedStore.class, CompareAndSetStore.class);   // not SelfBoundedStore: see its Javadoc
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected Duration expiryPrecision() {
        return Duration.ofSeconds(1);   // Hazelcast counts expiry in whole seconds
    }

    @Override
    protected Duration tagTtl(String tag) {
        return EmbeddedMember.ttlOf(member, HazelcastCacheStore.DEFAULT_MAP_NAME + "-tags", tag);
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        return member.getMap(HazelcastCacheStore.DEFAULT_MAP_NAME).setTtl(key, 0, TimeUnit.SECONDS);
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        member.<String, byte[]>getMap(HazelcastCacheStore.DEFAULT_MAP_NAME).set(key, value);
        return true;
    }
}
