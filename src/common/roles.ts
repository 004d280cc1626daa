/** Which halves of the service this process runs (from ROLE). */
export interface Roles {
  api: boolean;
  worker: boolean;
}
