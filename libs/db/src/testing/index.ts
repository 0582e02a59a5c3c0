export { createTestDatabase, type TestDatabase, type CreateTestDatabaseOptions } from "./test-database.js";
