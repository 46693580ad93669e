package dev.cacheaside.lettuce;

import dev.cacheaside.testing.TestServers;

/** The near tier's coherence on Valkey ({@code VALKEY}, 6380). */
class ValkeyNearTrackingIT extends NearTrackingContract {

    @Override
    String address() {
        return TestServers.require("VALKEY", 6380);
    }
}
