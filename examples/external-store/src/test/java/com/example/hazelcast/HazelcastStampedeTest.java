package com.example.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.StampedeContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The kit's stampede contract on {@link HazelcastCacheStore}: each engine instance has a client of one member. */
class HazelcastStampedeTest extends StampedeContract {

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
    protected CacheStore createClient() {
        return HazelcastCacheStore.create(member);
    }

    @Override
    protected Duration serverTtl(String key) {
        return EmbeddedMember.ttlOf(member, HazelcastCacheStore.DEFAULT_MAP_NAME, key);
    }
}
