package dev.airlock.testing;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class TestPostgresTest {
    @Test
    void eachCallGivesADatabaseOfItsOwnOnOneServer() {
        TestPostgres.Database a = TestPostgres.freshDatabase();
        TestPostgres.Database b = TestPostgres.freshDatabase();
        assertNotEquals(a.name(), b.name());
        TestPostgres.execute(a, "CREATE TABLE t (x int)");
        TestPostgres.execute(b, "CREATE TABLE t (x int)");
    }
}
