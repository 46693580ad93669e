package dev.cacheaside.lettuce;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The near tier's proofs with stores configured through Redis Sentinel ({@link OwnSentinel}): the
 * tracking connection goes to the primary the Sentinel names. Fewer rounds than on the shared
 * servers (a fifth): the protocol is the same, what is proven here is the Sentinel path.
 */
class NearSentinelIT extends NearTrackingContract {

    private static OwnSentinel own;

    @BeforeAll
    static void startPrimaryAndSentinel() throws IOException {
        own = OwnSentinel.start();
    }

    @AfterAll
    static void stopProcesses() throws InterruptedException {
        if (own != null) {
            own.close();
        }
    }

    @Override
    String address() {
        return own.primaryAddress();
    }

    @Override
    LettuceCacheStore newStore() {
        return own.store(Duration.ofSeconds(2));
    }

    @Override
    int rounds(String name, int standard) {
        return Math.max(1, super.rounds(name, standard) / 5);
    }
}
