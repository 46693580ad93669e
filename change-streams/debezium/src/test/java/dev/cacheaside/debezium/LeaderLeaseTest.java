package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.caffeine.LocalCacheStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaderLeaseTest {

    private final LocalCacheStore store = LocalCacheStore.create();
    private final LeaderLease a = new LeaderLease(store, "lease", "a", Duration.ofMinutes(1));
    private final LeaderLease b = new LeaderLease(store, "lease", "b", Duration.ofMinutes(1));

    @Test
    void oneHolderAtATimeAndOnlyTheHolderRenewsOrReleases() {
        assertThat(a.tryAcquire().block()).as("a takes the free lease").isTrue();
        assertThat(b.tryAcquire().block()).as("b cannot take a held lease").isFalse();
        assertThat(a.tryAcquire().block()).as("a asking again still holds it").isTrue();
        assertThat(a.renew().block()).as("the holder renews").isTrue();
        assertThat(b.renew().block()).as("another cannot renew").isFalse();
        assertThat(b.release().block()).as("another cannot release").isFalse();
        assertThat(b.tryAcquire().block()).isFalse();
        assertThat(a.release().block()).as("the holder releases").isTrue();
        assertThat(a.renew().block()).as("a released lease is not renewed").isFalse();
        assertThat(b.tryAcquire().block()).as("then b takes it").isTrue();
        assertThat(a.tryAcquire().block()).isFalse();
    }
}
