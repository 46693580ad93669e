package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;

/**
 * What one query is answered with, before the facade counts and times it.
 *
 * @param rows   the rows
 * @param source where they came from
 */
public record Served(Rows rows, Origin source) {
}
