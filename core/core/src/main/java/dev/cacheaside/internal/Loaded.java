package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;


/**
 * What the database answered for one load.
 *
 * @param rows   the rows
 * @param millis how long the database took, at least 1
 */
record Loaded(Rows rows, long millis) {
}
