-- Medium queries: two or three tables each, on the airport sample. Portable SQL: runs unchanged
-- on H2, MySQL, MariaDB and PostgreSQL.

-- One week of flights with their airline
SELECT f.flight_id, f.flightno, a.airlinename, f.departure, f.arrival
FROM flight f
JOIN airline a ON a.airline_id = f.airline_id
WHERE f.departure >= TIMESTAMP '2025-06-01 00:00:00' AND f.departure < TIMESTAMP '2025-06-08 00:00:00'
ORDER BY f.departure, f.flight_id;

-- Fleet of each airline by airplane type
SELECT al.airlinename, t.identifier, COUNT(*) AS airplanes, SUM(p.capacity) AS seats
FROM airplane p
JOIN airline al ON al.airline_id = p.airline_id
JOIN airplane_type t ON t.type_id = p.type_id
GROUP BY al.airlinename, t.identifier
ORDER BY al.airlinename, t.identifier;

-- Every schedule with its departure and arrival airports
SELECT s.flightno, dep.iata AS from_iata, arr.iata AS to_iata, s.departure, s.arrival
FROM flightschedule s
JOIN airport dep ON dep.airport_id = s.from_airport
JOIN airport arr ON arr.airport_id = s.to_airport
ORDER BY s.flightno;

-- One passenger's bookings
SELECT p.firstname, p.lastname, b.booking_id, b.flight_id, b.seat, b.price
FROM booking b
JOIN passenger p ON p.passenger_id = b.passenger_id
WHERE p.passenger_id = 42
ORDER BY b.booking_id;

-- Passengers per country
SELECT d.country, COUNT(*) AS passengers, MIN(d.birthdate) AS oldest_birthdate
FROM passenger p
JOIN passengerdetails d ON d.passenger_id = p.passenger_id
GROUP BY d.country
ORDER BY passengers DESC, d.country;
