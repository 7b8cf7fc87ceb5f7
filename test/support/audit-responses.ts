/**
 * Setup for every test file (jest.config.js): no response the suite reads may contain a stack trace, SQL,
 * an AMQP URL or a key. A leak fails the file, naming the test and the request.
 */
import { auditingTest, installResponseAudit, responseLeaks } from './response-audit';

installResponseAudit();

beforeEach(() => auditingTest(expect.getState().currentTestName));

afterAll(() => {
  expect(responseLeaks()).toEqual([]);
});
