/** The report-link notice workflow as its starter sees it (the API, after an operator issued a link). */
export const REPORT_LINK_NOTICE_WORKFLOW = 'reportLinkNotice';

export interface ReportLinkNoticeInput {
  journeyId: string;
  /** Which report link of the journey this is (1 the first): one notice, and one note, per link. */
  n: number;
}
