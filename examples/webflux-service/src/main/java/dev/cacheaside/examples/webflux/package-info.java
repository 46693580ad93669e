/**
 * An example Spring WebFlux service over the airport sample, cached with the cache-aside
 * Spring Boot starter. Never published. Parameters and return values are non-null unless
 * documented otherwise.
 */
package dev.cacheaside.examples.webflux;
