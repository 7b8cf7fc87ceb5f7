/** Where `CaskHttpModule` serves its routes, for links to them (`Location: /jobs/<id>`). */
export class CaskRoutes {
  constructor(
    /** `GET <jobs>/:id` is a job, e.g. `/jobs` or `/cask/jobs`. */
    readonly jobs: string,
  ) {}
}
