// A value made on first use, once: an output's client library (`new Lazy(() => import('nodemailer'))`) and the
// client built from it. The registry imports every output module whether it is enabled or not, so an output
// that imported its library at the top would make every saker pay for it; see docs/extending.md.

export class Lazy<T> {
  private pending?: Promise<T>;

  constructor(private readonly make: () => Promise<T>) {}

  /** The value, made by the first call; a failure is not kept, so the next call tries again. */
  get(): Promise<T> {
    this.pending ??= this.make().catch((err: unknown) => {
      this.pending = undefined;
      throw err;
    });
    return this.pending;
  }

  /** The value if something asked for it and it was made; undefined otherwise. For `close()`, which must not make it. */
  async made(): Promise<T | undefined> {
    return this.pending?.catch(() => undefined);
  }
}
