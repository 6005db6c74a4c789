/** The topic of sign-ups, and where the ones that cannot be welcomed end up. */
export const SIGNUPS_TOPIC = 'signups';
export const SIGNUPS_DLT = `${SIGNUPS_TOPIC}.DLT`;

export interface Signup {
  email: string;
}

/** What the listener did with one sign-up, and where Kafka delivered it from. */
export interface Welcome {
  email: string;
  greeting: string;
  partition: number;
  offset: string;
  attempt: number;
}
