package dev.cacheaside.lettuce;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * This module's additions to the BlockHound allowances of core's {@code BlockHoundExtension}
 * (loaded through {@code META-INF/services}): Lettuce internals that take a short lock on an
 * event loop by design.
 */
public final class LettuceBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // a cluster client's topology refresh, when it completes, swaps the node list under the
        // Partitions' ReentrantLock (held for the swap only); seen contended once on an event
        // loop in NearClusterFailoverIT under stress-ng, after a failover, when two refreshes of
        // one client finished together (which client's was not determined).
        // Lettuce 7.7.0's compiled lambda of refreshPartitionsAsync.
        builder.allowBlockingCallsInside("io.lettuce.core.cluster.models.partitions.Partitions", "reload");
        // a client's shutdown gives its event-loop group back to the shared provider under the
        // provider's ReentrantLock (held for the bookkeeping only), on the event executor that
        // completed the close; seen contended once in NearClusterIT under an outer stress-ng
        // when several clients of one test shut down together
        builder.allowBlockingCallsInside("io.lettuce.core.resource.DefaultEventLoopGroupProvider", "release");
    }
}
