package dev.cacheaside.lettuce;

import dev.cacheaside.testing.TestServers;

/** The near tier's coherence on Redis ({@code REDIS}, 6379). */
class RedisNearTrackingIT extends NearTrackingContract {

    @Override
    String address() {
        return TestServers.require("REDIS", 6379);
    }
}
