package dev.cacheaside.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Whether the engine is closed, and the work it runs in the background (refreshes, lease
 * releases, a connection attempt), which closing cancels. Thread safe.
 */
public final class BackgroundTasks {

    private final AtomicBoolean closed = new AtomicBoolean();
    private final Disposable.Composite running = Disposables.composite();

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Subscribes to {@code work} now; closing cancels it. */
    public void run(Mono<?> work) {
        run(work, null);
    }

    /** Like {@link #run(Mono)}; {@code onEnd} (may be null) runs when the work ends, however it ends. */
    void run(Mono<?> work, Runnable onEnd) {
        Disposable.Swap holder = Disposables.swap();
        running.add(holder);
        holder.update(work.doFinally(signal -> {
            if (onEnd != null) {
                onEnd.run();
            }
            running.remove(holder);
        }).subscribe());
    }

    /** Marks the engine closed; false when it already was. */
    public boolean close() {
        return closed.compareAndSet(false, true);
    }

    /** Cancels the work running in the background; what is started afterwards is cancelled at once. */
    public void cancelAll() {
        running.dispose();
    }
}
