/** Where `CaskHttpModule` serves its routes, for links to them (`Location: /jobs/<id>`). */
export class CaskRoutes {
  constructor(
    /** `GET <jobs>/:id` is a job, e.g. `/jobs` or `/cask/jobs`. */
    readonly jobs: string,
    /** `GET <schedules>/:name` is a schedule, e.g. `/schedules` or `/cask/schedules`. */
    readonly schedules = '/schedules',
    /** `GET <flows>/:id` is a flow, e.g. `/flows` or `/cask/flows`. */
    readonly flows = '/flows',
  ) {}
}
