package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.InvalidatingStore;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A {@code CLIENT TRACKING} that the client counted as failed while the server applied it (its
 * reply came after the command timeout, as on a loaded server) must not keep the near tier off:
 * enabling the same prefix again is refused by the server, so the retry turns tracking off first.
 */
class LettuceTrackingRetryIT {

    @Test
    void aTrackingCommandAppliedByTheServerButCountedAsFailedIsRetriedUntilConfirmed() throws Exception {
        String address = TestServers.require("REDIS", 6379);
        String prefix = "tracking-retry-" + UUID.randomUUID() + ":";
        AtomicInteger confirmations = new AtomicInteger();
        InvalidatingStore.Listener listener = new InvalidatingStore.Listener() {
            @Override
            public void invalidated(String key) {
            }

            @Override
            public void forgetAll() {
            }

            @Override
            public void tracking() {
                confirmations.incrementAndGet();
            }
        };
        LettuceStoreOptions options = RedisTestSupport.standalone(address)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500)).build();
        LettuceTracking tracking = LettuceTracking.standaloneOrSentinel(options, prefix, listener);
        try {
            Duration bound = RedisTestSupport.TEST_COMMAND_TIMEOUT.multipliedBy(5);
            assertThat(RedisTestSupport.waitFor(bound, () -> confirmations.get() == 1)).as("tracking confirmed").isTrue();
            StatefulRedisConnection<String, String> c = tracking.connection();
            // the server tracks the prefix on this connection; enabling it again, as a retry
            // after a late reply does, is refused ("Prefix ... overlaps with an existing prefix")
            tracking.enable(c, false);

            assertThat(RedisTestSupport.waitFor(bound, () -> confirmations.get() == 2))
                    .as("tracking confirmed again after the refused enable, within %s", bound).isTrue();
        } finally {
            tracking.close().get(30, TimeUnit.SECONDS);
        }
    }
}
