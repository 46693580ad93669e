package com.example.bootapp;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One row of the {@code boot_app_airline} table, mapped by the application's own Jackson 3 mapper. */
public record Airline(@JsonProperty("airline_id") int airlineId, @JsonProperty("airline_name") String airlineName) {
}
